import Foundation
import PostgresNIO
import SoapstoneCore

public struct UserRepository {
    let tx: TenantTransaction

    /// `passwordHash` is a `PasswordHasher` hash; the plain password never reaches this layer.
    public func create(id: UUID = UUID(), email: String, name: String, role: Role, passwordHash: String) async throws -> User {
        let rows = try await tx.query(
            """
            INSERT INTO users (id, tenant_id, email, name, role)
            VALUES (\(id), \(tx.tenantID), \(email.lowercased()), \(name), \(role.rawValue))
            RETURNING id, email, name, role, active, created_at
            """)
        guard let user = try await firstUser(rows) else { throw DomainError.notFound }
        // Its hash apart (migration 24): the server adds hashes and never reads one.
        try await tx.run(
            "INSERT INTO user_credentials (tenant_id, user_id, password_hash) VALUES (\(tx.tenantID), \(user.id), \(passwordHash))")
        return user
    }

    public func find(id: UUID) async throws -> User? {
        let rows = try await tx.query("SELECT id, email, name, role, active, created_at FROM api_users WHERE tenant_id = \(tx.tenantID) AND id = \(id)")
        return try await firstUser(rows)
    }

    /// The user, their row locked FOR SHARE until the transaction ends: a concurrent change of
    /// their role or status waits for it.
    public func findLocking(id: UUID) async throws -> User? {
        let rows = try await tx.query(
            "SELECT id, email, name, role, active, created_at FROM users WHERE tenant_id = \(tx.tenantID) AND id = \(id) FOR SHARE")
        return try await firstUser(rows)
    }

    /// Changes only what is given; answers nil when there is no such user.
    public func update(id: UUID, name: String?, role: Role?, active: Bool?) async throws -> User? {
        let rows = try await tx.query(
            """
            UPDATE users SET name = COALESCE(\(name), name), role = COALESCE(\(role?.rawValue), role),
                             active = COALESCE(\(active), active)
             WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            RETURNING id, email, name, role, active, created_at
            """)
        return try await firstUser(rows)
    }

    /// Active admins other than `excluding`. Every active admin row is locked (in one order,
    /// so two such transactions queue instead of deadlocking) until the transaction ends: two
    /// admins demoting each other at once cannot leave the organisation without one.
    public func countActiveAdmins(excluding id: UUID) async throws -> Int {
        // The explicit tenant_id: Citus locks rows FOR UPDATE only in a statement it routes to one shard.
        let rows = try await tx.query(
            "SELECT id FROM users WHERE tenant_id = \(tx.tenantID) AND role = 'admin' AND active ORDER BY id FOR UPDATE")
        return try await rows.collect().map { try $0.decode(UUID.self) }.filter { $0 != id }.count
    }

    /// The order of a list of users: by email (administration) or by name (who is who).
    public enum Order: Sendable {
        case email, name

        var key: String { self == .email ? "email" : "lower(name)" }
    }

    /// One page of the organisation's users in `order`, from the user after `after`.
    public func list(_ order: Order, limit: Int, after: RowCursor?) async throws -> Page<User, RowCursor> {
        let key = order.key
        let rows = try await tx.query(
            """
            SELECT id, email, name, role, active, created_at FROM api_users u
             WHERE tenant_id = \(tx.tenantID)
               AND (\(after?.id)::uuid IS NULL
                    OR (\(unescaped: key), id) > (SELECT \(unescaped: key), id FROM api_users
                                                  WHERE tenant_id = \(tx.tenantID) AND id = \(after?.id)))
             ORDER BY \(unescaped: key), id
             LIMIT \(limit + 1)
            """)
        var users: [User] = []
        for try await row in rows.decode((UUID, String, String, Role, Bool, Date).self) { users.append(user(row)) }
        return Page(fetched: users, limit: limit) { RowCursor(id: $0.id) }
    }

    private func firstUser(_ rows: PostgresRowSequence) async throws -> User? {
        for try await row in rows.decode((UUID, String, String, Role, Bool, Date).self) { return user(row) }
        return nil
    }

    private func user(_ row: (UUID, String, String, Role, Bool, Date)) -> User {
        User(
            id: row.0, tenantID: tx.tenantID, email: row.1, name: row.2, role: row.3, active: row.4, createdAt: row.5)
    }
}

extension TenantTransaction {
    public var users: UserRepository { UserRepository(tx: self) }
}
