import SoapstoneCore

/// A session as the client receives it.
struct IssuedSession: Sendable {
    let accessToken: String
    let expiresIn: Int
    let refreshToken: String
    let user: User
}
