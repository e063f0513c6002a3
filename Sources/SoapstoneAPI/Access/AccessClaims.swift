import Foundation
import JWTKit
import SoapstoneCore

/// The claims of an access token (RFC 9068 names; `tid` and `role` are ours).
struct AccessClaims: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var tid: String
    var role: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    /// The session (refresh token family) the token belongs to; ending the session ends it.
    var sid: String?

    /// Checked by `AccessTokens.check` with its own clock and expectations; jwt-kit calls
    /// this after the signature is verified and knows neither.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
