import Foundation
import PostgresNIO

/// Sessions: one per login, the family of its refresh tokens. A session's end is one fact on its
/// row (migration 20); every refresh reads it under the row's lock.
public struct SessionRepository {
    let tx: TenantTransaction

    public func start(id: UUID, userID: UUID, at startedAt: Date) async throws {
        try await tx.run(
            "INSERT INTO sessions (tenant_id, id, user_id, started_at) VALUES (\(tx.tenantID), \(id), \(userID), \(startedAt))")
    }

    /// Ends a session (logout, or a spent token shown again); false when it had ended already.
    /// Once the transaction commits, every server instance hears of it (`SessionRevocations`)
    /// and refuses its access tokens.
    @discardableResult
    public func end(_ id: UUID) async throws -> Bool {
        try await end(where: "tenant_id = \(tx.tenantID) AND id = \(id)") > 0
    }

    /// Ends every open session of a user (deactivated, or given another role); answers how many.
    @discardableResult
    public func endAll(ofUser userID: UUID) async throws -> Int {
        try await end(where: "tenant_id = \(tx.tenantID) AND user_id = \(userID)")
    }

    /// The sessions ended, then the news of them, in a statement of its own that reads no table:
    /// on Citus a statement that reads a distributed table may run whole on a worker, and a
    /// NOTIFY sent there never reaches the servers, which listen on the coordinator. Delivered
    /// when the transaction commits, as before.
    private func end(where condition: PostgresQuery) async throws -> Int {
        var statement = condition
        statement.sql = "UPDATE sessions SET ended_at = now() WHERE \(condition.sql) AND ended_at IS NULL RETURNING id"
        var ended: [UUID] = []
        for try await id in try await tx.query(statement).decode(UUID.self) { ended.append(id) }
        guard !ended.isEmpty else { return 0 }
        try await tx.run("SELECT pg_notify(\(SessionRevocations.channel), id::text) FROM unnest(\(ended)) AS id")
        return ended.count
    }
}

extension TenantTransaction {
    public var sessions: SessionRepository { SessionRepository(tx: self) }
}
