import Foundation
import Logging
import PostgresNIO
import SoapstoneCore

/// What the login lookup answers about one active user.
public struct LoginCandidate: Sendable {
    public let userID: UUID
    public let tenantID: UUID
    public let role: Role
    public let passwordHash: String

    /// The user as the principal of a login attempt, failed or not.
    public var principal: Principal { Principal(userID: userID, tenantID: tenantID, role: role) }
}

extension Database {
    /// The user an organisation slug and an email name, if active. Safe without a tenant
    /// context: it calls `auth_login_lookup`, a SECURITY DEFINER function that answers for one
    /// active user and only with id, tenant, role and hash; no policy is relaxed for the server.
    public func loginCandidate(organizationSlug: String, email: String) async throws -> LoginCandidate? {
        try await withPooledConnection { connection in
            let rows = try await connection.query(
                """
                SELECT user_id, tenant_id, role, password_hash
                  FROM auth_login_lookup(\(organizationSlug), \(email))
                """, logger: logger)
            for try await (userID, tenantID, role, hash) in rows.decode((UUID, UUID, Role, String).self) {
                return LoginCandidate(userID: userID, tenantID: tenantID, role: role, passwordHash: hash)
            }
            return nil
        }
    }

    /// Replaces a user's hash with a stronger one of the same password, through
    /// `auth_password_rehashed` (migration 24), as a statement of its own: on Citus a transaction
    /// that has touched the user's shard as the server may not touch it again as soapstone_auth
    /// ("cannot perform query on placements that were modified in this transaction by a
    /// different user").
    public func replacePasswordHash(tenantID: UUID, userID: UUID, with passwordHash: String) async throws {
        try await withPooledConnection { connection in
            try await connection.run("SELECT auth_password_rehashed(\(tenantID), \(userID), \(passwordHash))", logger: logger)
        }
    }
}
