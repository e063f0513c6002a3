import Foundation
import PostgresNIO
import SoapstoneCore

public struct UserRepository {
    let tx: TenantTransaction

    /// `passwordHash` is a bcrypt hash; the plain password never reaches this layer.
    public func create(id: UUID = UUID(), email: String, name: String, role: Role, passwordHash: String) async throws -> User {
        let rows = try await tx.query(
            """
            INSERT INTO users (id, tenant_id, email, name, role, password_hash)
            VALUES (\(id), \(tx.tenantID), \(email.lowercased()), \(name), \(role.rawValue), \(passwordHash))
            RETURNING id, email, name, role, active, created_at
            """)
        guard let user = try await firstUser(rows) else { throw DomainError.notFound }
        return user
    }

    public func find(id: UUID) async throws -> User? {
        let rows = try await tx.query("SELECT id, email, name, role, active, created_at FROM api_users WHERE id = \(id)")
        return try await firstUser(rows)
    }

    public func list() async throws -> [User] {
        let rows = try await tx.query("SELECT id, email, name, role, active, created_at FROM api_users ORDER BY email")
        var users: [User] = []
        for try await row in rows.decode((UUID, String, String, String, Bool, Date).self) { users.append(user(row)) }
        return users
    }

    private func firstUser(_ rows: PostgresRowSequence) async throws -> User? {
        for try await row in rows.decode((UUID, String, String, String, Bool, Date).self) { return user(row) }
        return nil
    }

    private func user(_ row: (UUID, String, String, String, Bool, Date)) -> User {
        User(
            id: row.0, tenantID: tx.tenantID, email: row.1, name: row.2, role: Role(rawValue: row.3) ?? .auditor,
            active: row.4, createdAt: row.5)
    }
}

extension TenantTransaction {
    public var users: UserRepository { UserRepository(tx: self) }
}
