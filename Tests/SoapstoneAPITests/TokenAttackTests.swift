import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

/// RFC 8725's list of ways to forge an access token: every one answers 401.
@Suite("Token attacks")
struct TokenAttackTests {
    enum Attack: String, CaseIterable, Sendable {
        case none, garbage, algNone, hs256WithPublicKey, payloadChanged, expired, wrongAudience, wrongIssuer, unknownKeyID,
            refreshTokenAsAccess
    }

    static func segment(_ json: [String: Any]) throws -> String {
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).base64URL
    }

    static func decode(_ segment: Substring) throws -> [String: Any] {
        let data = try #require(Data(base64URL: String(segment)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("A forged, altered, expired or misdirected token answers 401", arguments: Attack.allCases)
    func forgedTokensAreRefused(attack: Attack) async throws {
        let app = try await TestApp.make()
        let publicKey = app.keys.publicKeyBase64
        try await app.run { client in
            let login = try await client.login("northside", "physician@northside.example")
            let real = try #require(login.json["access_token"] as? String)
            #expect(try await client.call(.get, "/v1/auth/me", token: real).status == .ok, "the genuine token must work")
            let parts = real.split(separator: ".")
            var header = try Self.decode(parts[0])
            var claims = try Self.decode(parts[1])

            var token: String?
            switch attack {
            case .none:
                token = nil
            case .garbage:
                token = "not.a.token"
            case .algNone:
                header["alg"] = "none"
                token = "\(try Self.segment(header)).\(parts[1])."
            case .hs256WithPublicKey:
                header["alg"] = "HS256"
                let input = "\(try Self.segment(header)).\(parts[1])"
                let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(publicKey.utf8)))
                token = "\(input).\(Data(mac).base64URL)"
            case .payloadChanged:
                claims["role"] = "admin"
                token = "\(parts[0]).\(try Self.segment(claims)).\(parts[2])"
            case .expired:
                token = real
                // Used while valid first, so the server has it verified: expiry must still count.
                #expect(try await client.call(.get, "/v1/auth/me", token: real).status == .ok)
                app.clock.advance(by: 15 * 60 + 1)
            case .wrongAudience, .wrongIssuer, .unknownKeyID:
                // Signed with the real key, by a server configured differently.
                var other = app.configuration()
                if attack == .wrongAudience { other.auth.audience = "another-api" }
                if attack == .wrongIssuer { other.auth.issuer = "someone-else" }
                if attack == .unknownKeyID { other.auth.keys = .init(signing: Curve25519.Signing.PrivateKey()) }
                token = try await Self.issue(with: other)
            case .refreshTokenAsAccess:
                token = try #require(login.json["refresh_token"] as? String)
            }
            let answer = try await client.call(.get, "/v1/auth/me", token: token)
            #expect(answer.status == .unauthorized, "\(attack) gave \(answer.status)")
            #expect(answer.problemType == "unauthorized")
        }
    }

    @Test("After a key rotation, tokens signed with the previous key are accepted while it is listed, and refused once it is not")
    func keyRotation() async throws {
        let old = try await TestApp.make()
        let oldToken = try await Self.issue(with: old.configuration())
        let rotated = Curve25519.Signing.PrivateKey()
        var withPrevious = old.configuration()
        withPrevious.auth.keys = SigningKeys(
            signing: rotated,
            verifyingOnly: [try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: old.keys.publicKeyBase64)!)])
        var withoutPrevious = old.configuration()
        withoutPrevious.auth.keys = SigningKeys(signing: rotated)
        for (configuration, expected) in [(withPrevious, HTTPResponse.Status.ok), (withoutPrevious, .unauthorized)] {
            let app = try await buildApplication(configuration)
            try await app.test(.router) { client in
                let answer = try await client.call(.get, "/v1/auth/me", token: oldToken)
                #expect(answer.status == expected)
            }
        }
    }

    /// A token as another configuration would issue it, through that server's own login (over
    /// a socket: a login needs the client's address, which the `.router` channel has not).
    static func issue(with configuration: AppConfiguration) async throws -> String {
        let app = try await buildApplication(configuration)
        return try await app.test(.live) { client in
            try #require(try await client.login("northside", "physician@northside.example").json["access_token"] as? String)
        }
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL: String) {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        self.init(base64Encoded: text)
    }
}

@Suite("Authorization header")
struct AuthorizationHeaderTests {
    @Test(
        "Bearer in any case with blanks around the token; any other scheme, shape or emptiness is no token",
        arguments: [
            ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer  abc \t", "abc"), ("BEARER abc", "abc"), ("Bearer é.x", "é.x"),
            ("Basic abc", nil), ("Bearer ", nil), ("Bearer \t ", nil), ("Bearer", nil), ("Bearerabc", nil),
            ("Bearer\u{0}abc", nil), ("", nil),
        ] as [(String, String?)])
    func parsesBearerTokens(header: String, token: String?) {
        #expect(AuthenticationMiddleware.bearerToken(in: header) == token)
    }

    @Test("Only a token's own base64url spelling is accepted: no other last character, no padding")
    func nonCanonicalSpellingsRefused() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let real = try #require(try await client.login("northside", "physician@northside.example").json["access_token"] as? String)
            #expect(try await client.call(.get, "/v1/auth/me", token: real).status == .ok)
            // An Ed25519 signature is 64 bytes, 86 characters: the last carries 2 bits that
            // decoders ignore, so 15 other characters decode to the same signature.
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let last = try #require(real.last)
            let index = try #require(alphabet.firstIndex(of: last))
            let sameBits = (0..<4).map { alphabet[(index & ~3) | $0] }.filter { $0 != last }
            var variants = sameBits.map { String(real.dropLast()) + String($0) }
            variants += [real + "=", real + "==", real.replacingOccurrences(of: ".", with: "=.")]
            for variant in variants {
                #expect(Data(base64URLEncoded: String(variant.split(separator: ".").last!)) != nil || variant.hasSuffix("="))
                #expect(try await client.call(.get, "/v1/auth/me", token: variant).status == .unauthorized, "\(variant.suffix(4))")
            }
            #expect(try await client.call(.get, "/v1/auth/me", token: real).status == .ok)
        }
    }
}
