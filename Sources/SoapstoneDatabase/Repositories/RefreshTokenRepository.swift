import Foundation
import PostgresNIO
import SoapstoneCore

/// A stored refresh token, without the token (only its hash is ever stored), with what its
/// session (the token's family) says about it.
public struct RefreshTokenRecord: Sendable, Hashable {
    public let id: UUID
    public let userID: UUID
    public let familyID: UUID
    /// When the session's login was.
    public let sessionStartedAt: Date
    /// When the session ended (logout, reuse, the user changed), if it has.
    public let sessionEndedAt: Date?
    public let expiresAt: Date
    public let usedAt: Date?
}

public struct RefreshTokenRepository {
    let tx: TenantTransaction

    /// A token of the session `familyID` (started with `SessionRepository.start`).
    public func create(userID: UUID, familyID: UUID, tokenSHA256: String, expiresAt: Date) async throws {
        try await tx.run(
            """
            INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_sha256, expires_at)
            VALUES (\(tx.tenantID), \(userID), \(familyID), \(tokenSHA256), \(expiresAt))
            """)
    }

    /// The token with its session, the session's row locked until the transaction ends: a
    /// session ended by another transaction is seen ended here, and one ended after waits until
    /// this transaction's new token is written, so it ends that one too (migration 20).
    public func findLockingSession(tokenSHA256: String) async throws -> RefreshTokenRecord? {
        let rows = try await tx.query(
            """
            SELECT t.id, t.user_id, t.family_id, s.started_at, s.ended_at, t.expires_at, t.used_at
              FROM refresh_tokens t
              JOIN sessions s ON s.tenant_id = t.tenant_id AND s.id = t.family_id
             WHERE t.tenant_id = \(tx.tenantID) AND t.token_sha256 = \(tokenSHA256) AND s.tenant_id = \(tx.tenantID)
               FOR UPDATE OF s
            """)
        for try await row in rows.decode((UUID, UUID, UUID, Date, Date?, Date, Date?).self) {
            return RefreshTokenRecord(
                id: row.0, userID: row.1, familyID: row.2, sessionStartedAt: row.3, sessionEndedAt: row.4,
                expiresAt: row.5, usedAt: row.6)
        }
        return nil
    }

    /// Spends a token; false when it was spent already (by a concurrent refresh, say), so of two
    /// uses exactly one succeeds.
    public func markUsed(id: UUID) async throws -> Bool {
        try await tx.execute(
            "UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND used_at IS NULL")
            == 1
    }
}

extension TenantTransaction {
    public var refreshTokens: RefreshTokenRepository { RefreshTokenRepository(tx: self) }
}
