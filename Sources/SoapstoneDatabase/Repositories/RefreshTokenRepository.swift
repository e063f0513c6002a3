import Foundation
import PostgresNIO
import SoapstoneCore

/// A stored refresh token, without the token: only its hash is ever stored.
public struct RefreshTokenRecord: Sendable, Hashable {
    public let id: UUID
    public let userID: UUID
    public let familyID: UUID
    /// When the family's login was (for tokens made before that was kept: this token's creation).
    public let sessionStartedAt: Date
    public let expiresAt: Date
    public let usedAt: Date?
    public let revokedAt: Date?
}

public struct RefreshTokenRepository {
    let tx: TenantTransaction

    public func create(userID: UUID, familyID: UUID, tokenSHA256: String, sessionStartedAt: Date, expiresAt: Date)
        async throws
    {
        try await tx.query(
            """
            INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_sha256, session_started_at, expires_at)
            VALUES (\(tx.tenantID), \(userID), \(familyID), \(tokenSHA256), \(sessionStartedAt), \(expiresAt))
            """)
    }

    public func find(tokenSHA256: String) async throws -> RefreshTokenRecord? {
        let rows = try await tx.query(
            """
            SELECT id, user_id, family_id, coalesce(session_started_at, created_at), expires_at, used_at, revoked_at
              FROM refresh_tokens WHERE tenant_id = \(tx.tenantID) AND token_sha256 = \(tokenSHA256)
            """)
        for try await row in rows.decode((UUID, UUID, UUID, Date, Date, Date?, Date?).self) {
            return RefreshTokenRecord(
                id: row.0, userID: row.1, familyID: row.2, sessionStartedAt: row.3, expiresAt: row.4, usedAt: row.5,
                revokedAt: row.6)
        }
        return nil
    }

    /// Marks a live token used; false when it was used or revoked already (by a concurrent
    /// refresh, say), so of two uses exactly one succeeds.
    public func markUsed(id: UUID) async throws -> Bool {
        try await tx.execute(
            "UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND used_at IS NULL AND revoked_at IS NULL") == 1
    }

    /// Ends a session: its refresh tokens are revoked and, once the transaction commits, every
    /// server instance hears of it (`SessionRevocations`) and refuses its access tokens.
    /// Answers how many tokens it revoked.
    @discardableResult
    public func revokeFamily(_ familyID: UUID) async throws -> Int {
        try await revoke("tenant_id = \(tx.tenantID) AND family_id = \(familyID)")
    }

    /// Ends every session of a user (deactivated, or given another role).
    @discardableResult
    public func revokeAll(ofUser userID: UUID) async throws -> Int {
        try await revoke("tenant_id = \(tx.tenantID) AND user_id = \(userID)")
    }

    private func revoke(_ condition: PostgresQuery) async throws -> Int {
        var statement = condition
        statement.sql = """
            WITH revoked AS (
                UPDATE refresh_tokens SET revoked_at = now() WHERE \(condition.sql) AND revoked_at IS NULL RETURNING family_id
            ),
            announced AS (
                SELECT pg_notify('\(SessionRevocations.channel)', family_id::text) FROM (SELECT DISTINCT family_id FROM revoked) f
            )
            SELECT (SELECT count(*) FROM revoked), (SELECT count(*) FROM announced)
            """
        for try await (count, _) in try await tx.query(statement).decode((Int, Int).self) { return count }
        return 0
    }
}

extension TenantTransaction {
    public var refreshTokens: RefreshTokenRepository { RefreshTokenRepository(tx: self) }
}
