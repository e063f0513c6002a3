import Crypto
import Foundation

extension SigningKeys {
    /// The access-token keys, from the environment:
    /// - `SOAPSTONE_JWT_SIGNING_KEY`: the Ed25519 private key, its 32 raw bytes in base64, or
    ///   `SOAPSTONE_JWT_SIGNING_KEY_FILE`: a file holding that text;
    /// - `SOAPSTONE_JWT_VERIFY_KEYS`: optional, comma-separated base64 public keys still accepted
    ///   (the previous signing keys, during a rotation).
    /// Without a signing key, `developmentFile` is used, and made on first use; pass nil to
    /// require a configured key (production).
    public static func load(environment: [String: String], developmentFile: URL?) throws -> SigningKeys {
        var verifying: [Curve25519.Signing.PublicKey] = []
        for text in (environment["SOAPSTONE_JWT_VERIFY_KEYS"] ?? "").split(separator: ",") {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: data)
            else { throw SigningKeyError("SOAPSTONE_JWT_VERIFY_KEYS holds something that is not a base64 Ed25519 public key") }
            verifying.append(key)
        }
        if let text = environment["SOAPSTONE_JWT_SIGNING_KEY"] {
            return SigningKeys(signing: try privateKey(text, source: "SOAPSTONE_JWT_SIGNING_KEY"), verifyingOnly: verifying)
        }
        if let path = environment["SOAPSTONE_JWT_SIGNING_KEY_FILE"] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return SigningKeys(signing: try privateKey(text, source: path), verifyingOnly: verifying)
        }
        guard let file = developmentFile else {
            throw SigningKeyError(
                "no access-token key: set SOAPSTONE_JWT_SIGNING_KEY or SOAPSTONE_JWT_SIGNING_KEY_FILE (see README)")
        }
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            return SigningKeys(signing: try privateKey(text, source: file.path), verifyingOnly: verifying)
        }
        let key = Curve25519.Signing.PrivateKey()
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: file.path, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        return SigningKeys(signing: key, verifyingOnly: verifying)
    }

    /// The public half of the signing key, as `SOAPSTONE_JWT_VERIFY_KEYS` takes it.
    public var publicKeyBase64: String { signing.publicKey.rawRepresentation.base64EncodedString() }

    private static func privateKey(_ text: String, source: String) throws -> Curve25519.Signing.PrivateKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data)
        else { throw SigningKeyError("\(source) is not a base64 Ed25519 private key (32 bytes)") }
        return key
    }
}

public struct SigningKeyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
