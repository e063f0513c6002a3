import Crypto
import Foundation
import JWTKit
import SoapstoneCore
import Synchronization

/// Issues and verifies access tokens: EdDSA only, `kid` required and known, issuer, audience
/// and expiry checked against an injectable clock (RFC 8725: the algorithm is pinned, never
/// taken from the token).
struct AccessTokens: Sendable {
    static let algorithm = "EdDSA"

    let keys: JWTKeyCollection
    let signingKeyID: String
    let knownKeyIDs: Set<String>
    let issuer: String
    let audience: String
    let lifetime: TimeInterval
    let clock: @Sendable () -> Date
    /// Tokens whose signature and claims checked out, so that a client's every request does not
    /// pay an Ed25519 verification (the cost: bench/README.md, "What the benchmark found"). Time
    /// is still checked on every use; a changed byte is another key and verified in full.
    let verified = VerifiedTokens(capacity: 10_000)
    let revoked: RevokedSessions

    init(
        keys signingKeys: SigningKeys, issuer: String, audience: String, lifetime: TimeInterval,
        clock: @escaping @Sendable () -> Date
    ) async {
        self.revoked = RevokedSessions(tokenLifetime: lifetime, clock: clock)
        let collection = JWTKeyCollection()
        let signingID = SigningKeys.keyID(of: signingKeys.signing.publicKey)
        await collection.add(eddsa: signingKeys.signing, kid: JWKIdentifier(string: signingID))
        var known: Set<String> = [signingID]
        for key in signingKeys.verifyingOnly {
            let id = SigningKeys.keyID(of: key)
            await collection.add(eddsa: key, kid: JWKIdentifier(string: id))
            known.insert(id)
        }
        self.keys = collection
        self.signingKeyID = signingID
        self.knownKeyIDs = known
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.clock = clock
    }

    func issue(for principal: Principal, session: UUID) async throws -> String {
        // Whole seconds: NumericDate as most JWT libraries expect it.
        let now = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            iss: .init(value: issuer), aud: .init(value: [audience]), sub: .init(value: principal.userID.uuidString.lowercased()),
            tid: principal.tenantID.uuidString.lowercased(), role: principal.role.rawValue,
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(lifetime)),
            jti: .init(value: UUID().uuidString.lowercased()), sid: session.uuidString.lowercased())
        return try await keys.sign(claims, kid: JWKIdentifier(string: signingKeyID))
    }

    /// What a presented token is.
    enum Check: Sendable, Equatable {
        case valid(Principal)
        /// Genuine (our signature, our claims) but not current: the user is known, the token
        /// is refused.
        case expired(Principal)
        /// Genuine and current, but of a session that has ended (logout, deactivation).
        case revoked(Principal)
        /// Anything else: wrong algorithm or key, bad signature, wrong issuer or audience,
        /// malformed.
        case invalid
    }

    func check(_ token: String) async -> Check {
        let now = clock()
        if let known = verified.lookup(token) {
            guard known.isCurrent(at: now) else { return .expired(known.principal) }
            return known.session.map(revoked.isRevoked) == true ? .revoked(known.principal) : .valid(known.principal)
        }
        // One token, one spelling: base64url decoders also take a changed last character or a
        // trailing `=`, and each such spelling would be another entry of `verified`.
        guard Self.isCanonical(token), let header = Self.header(of: token), header.alg == Self.algorithm,
            let kid = header.kid, knownKeyIDs.contains(kid)
        else { return .invalid }
        guard let claims = try? await keys.verify(token, as: AccessClaims.self) else { return .invalid }
        guard claims.iss.value == issuer, claims.aud.value.contains(audience),
            let userID = UUID(uuidString: claims.sub.value), let tenantID = UUID(uuidString: claims.tid),
            let role = Role(rawValue: claims.role)
        else { return .invalid }
        let checked = VerifiedTokens.Entry(
            principal: Principal(userID: userID, tenantID: tenantID, role: role), session: claims.sid.flatMap { UUID(uuidString: $0) },
            issuedAt: claims.iat.value, expiresAt: claims.exp.value)
        guard checked.isCurrent(at: now) else { return .expired(checked.principal) }
        verified.remember(token, checked, now: now)
        return checked.session.map(revoked.isRevoked) == true ? .revoked(checked.principal) : .valid(checked.principal)
    }

    private struct Header: Decodable {
        let alg: String
        let kid: String?
        let typ: String?
    }

    /// Three parts of unpadded base64url, each exactly as encoding its bytes writes it.
    static func isCanonical(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3
            && parts.allSatisfy { part in
                part.utf8.allSatisfy(\.isBase64URLDigit)
                    && Data(base64URLEncoded: String(part))?.base64URLEncodedString == String(part)
            }
    }

    private static func header(of token: String) -> Header? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Data(base64URLEncoded: String(parts[0])) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }
}
