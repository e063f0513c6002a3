/// Why authentication says no. Each is one answer (`ProblemMapping`), and none says which part
/// of a login failed.
enum AuthError: Error, Equatable, Sendable {
    /// The token's user or organisation is gone or deactivated: no one is signed in.
    case notSignedIn
    /// The one answer to every failed login, whatever failed.
    case invalidCredentials
    /// Unknown, expired, revoked or already used.
    case invalidRefreshToken
}
