import Foundation
import PostgresNIO

extension Database {
    // The login protection's state (migration 9), before any tenant is known. Safe without a
    // tenant context: each call runs one SECURITY DEFINER function owned by soapstone_auth that
    // touches only the throttle and lockout tables, which hold no tenant data and which
    // soapstone_app cannot read or write otherwise. `at` is the server's clock.

    /// Takes one attempt from the address's allowance; answers 0, or the seconds to wait.
    public func throttle(address: String, perMinute: Int, at: Date) async throws -> Int {
        try await integer("SELECT auth_throttle(\(address), \(perMinute)::int, \(at))")
    }

    /// Seconds the account stays locked; 0 when it is not.
    public func lockoutRemaining(account: String, at: Date) async throws -> Int {
        try await integer("SELECT auth_lockout_remaining(\(account), \(at))")
    }

    /// Counts a failed login; answers true when this failure locked the account.
    public func loginFailed(account: String, threshold: Int, lockoutSeconds: Int, at: Date) async throws -> Bool {
        try await withPooledConnection { connection in
            let rows = try await connection.query(
                "SELECT auth_login_failed(\(account), \(threshold)::int, \(lockoutSeconds)::int, \(at))", logger: logger)
            for try await locked in rows.decode(Bool.self) { return locked }
            return false
        }
    }

    public func loginSucceeded(account: String) async throws {
        try await withPooledConnection { connection in
            _ = try await connection.query("SELECT auth_login_succeeded(\(account))", logger: logger).collect()
        }
    }

    private func integer(_ query: PostgresQuery) async throws -> Int {
        try await withPooledConnection { connection in
            for try await value in try await connection.query(query, logger: logger).decode(Int32.self) { return Int(value) }
            return 0
        }
    }
}
