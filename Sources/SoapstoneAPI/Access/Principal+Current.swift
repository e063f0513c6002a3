import SoapstoneCore

extension Principal {
    /// The caller of the operation being served, as `AuthenticationMiddleware` verified them:
    /// set for the operation's task and everything it awaits, nil outside one.
    @TaskLocal static var current: Principal?

    /// The caller of an operation that required a token. The middleware admits none without
    /// one, so this throws only if an operation's handler runs outside it.
    static func authenticated() throws -> Principal {
        guard let current else { throw Problem.unauthorized }
        return current
    }
}
