import Crypto
import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// Slows down password guessing: a lockout per account (5 consecutive failures lock it for
/// 15 minutes) and a throttle per client address on the auth routes. Both are kept in
/// PostgreSQL (`Database.throttle` and the lockout calls), so every instance behind a load
/// balancer shares them, a restart keeps them, and their state expires. An account is its user
/// once the login names one, and otherwise the normalised organisation and email, so that an
/// account that does not exist locks the same way and the answers reveal nothing.
struct LoginGuard: Sendable {
    struct Settings: Sendable {
        var failuresBeforeLockout = 5
        var lockout: TimeInterval = 15 * 60
        /// Auth requests per client address per minute; a whole clinic may share one address.
        var requestsPerMinute = 120
    }

    struct Lock: Error {
        let retryAfter: Int
    }

    /// The lockout's key: the SHA-256 of the user, or of the login identity when no user matched.
    struct Account: Sendable, Hashable {
        let key: String

        static func user(_ id: UUID) -> Account { Account(hashing: "user\u{0}\(id.uuidString.lowercased())") }

        static func unknown(_ identity: LoginIdentity) -> Account {
            Account(hashing: "login\u{0}\(identity.organization)\u{0}\(identity.email)")
        }

        private init(hashing text: String) {
            key = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    let database: Database
    let settings: Settings
    let clock: @Sendable () -> Date

    /// Takes one request from the client's allowance; throws when there is none left.
    func admit(address: String) async throws {
        let wait = try await database.throttle(
            address: Self.throttleKey(address), perMinute: settings.requestsPerMinute, at: clock())
        if wait > 0 { throw Lock(retryAfter: wait) }
    }

    /// What one client is, for counting its requests: its address, or for IPv6 the /64 it is
    /// in, since one subscriber is given a whole /64 and may speak from any address in it.
    static func throttleKey(_ address: String) -> String {
        guard let bytes = TrustedProxies.addressBytes(address), bytes.count == 16 else { return address }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// Throws while the account is locked.
    func checkNotLocked(_ account: Account) async throws {
        let remaining = try await database.lockoutRemaining(account: account.key, at: clock())
        if remaining > 0 { throw Lock(retryAfter: remaining) }
    }

    /// Counts a failure; answers true when this one locked the account.
    func recordFailure(_ account: Account) async throws -> Bool {
        try await database.loginFailed(
            account: account.key, threshold: settings.failuresBeforeLockout, lockoutSeconds: Int(settings.lockout), at: clock())
    }

    func recordSuccess(_ account: Account) async throws {
        try await database.loginSucceeded(account: account.key)
    }
}
