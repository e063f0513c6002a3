import Crypto
import Foundation
import JWTKit

/// Ed25519 keys for access tokens: one that signs, any number that only verify (the previous
/// ones, while their tokens live out the rotation).
public struct SigningKeys: Sendable {
    let signing: EdDSA.PrivateKey
    let verifyingOnly: [EdDSA.PublicKey]

    public init(signing: Curve25519.Signing.PrivateKey, verifyingOnly: [Curve25519.Signing.PublicKey] = []) {
        self.signing = EdDSA.PrivateKey(backing: signing)
        self.verifyingOnly = verifyingOnly.map(EdDSA.PublicKey.init(backing:))
    }

    /// A key's id: the start of the SHA-256 of its public key, so it is stable across restarts.
    static func keyID(of key: EdDSA.PublicKey) -> String {
        SHA256.hash(data: key.rawRepresentation).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
