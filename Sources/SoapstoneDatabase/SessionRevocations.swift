import Foundation
import Logging
import PostgresNIO

/// The channel on which a revoked session (a refresh token family) is announced to every
/// server instance (migration 12).
public enum SessionRevocations {
    public static let channel = "soapstone_revocations"
}

extension Database {
    /// Calls `revoked` with each session that ended within the last `seconds` and then with
    /// each one announced on the channel, for as long as the connection lasts; `listening` once
    /// it has caught up and listens. Listening comes first, so nothing ended in between is
    /// missed. Holds one connection meanwhile: give it a client of its own.
    ///
    /// Safe without a tenant context: it reads notifications and calls `auth_revoked_sessions`,
    /// a SECURITY DEFINER function of soapstone_auth that answers session ids only, nothing of
    /// a tenant's data.
    public func followRevokedSessions(
        within seconds: Int, listening: @Sendable () -> Void, _ revoked: @Sendable (UUID) -> Void
    ) async throws {
        try await withPooledConnection { connection in
            try await connection.listen(on: SessionRevocations.channel) { notifications in
                let ended = try await connection.query("SELECT auth_revoked_sessions(\(seconds)::int)", logger: logger)
                for try await session in ended.decode(UUID.self) { revoked(session) }
                listening()
                for try await notification in notifications {
                    if let session = UUID(uuidString: notification.payload) { revoked(session) }
                }
            }
        }
    }
}
