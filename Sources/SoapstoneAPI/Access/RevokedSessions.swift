import Foundation
import Logging
import ServiceLifecycle
import SoapstoneDatabase
import Synchronization

/// Sessions ended (logout, a spent refresh token reused, a user deactivated or given another
/// role) whose access tokens may still be unexpired: `AccessTokens.check` refuses a token of
/// one of them. Each is forgotten once every access token of it has expired anyway, so the set
/// holds at most an access token's lifetime of logouts.
final class RevokedSessions: Sendable {
    private let sessions = Mutex<[UUID: Date]>([:])
    let tokenLifetime: TimeInterval
    let clock: @Sendable () -> Date

    init(tokenLifetime: TimeInterval, clock: @escaping @Sendable () -> Date) {
        self.tokenLifetime = tokenLifetime
        self.clock = clock
    }

    func revoke(_ session: UUID) {
        let now = clock()
        sessions.withLock { sessions in
            sessions[session] = now.addingTimeInterval(tokenLifetime + 60)
            if sessions.count > 1000 { sessions = sessions.filter { $0.value > now } }
        }
    }

    func isRevoked(_ session: UUID) -> Bool {
        let now = clock()
        return sessions.withLock { ($0[session]).map { $0 > now } ?? false }
    }
}

/// Keeps `RevokedSessions` current across instances: it asks PostgreSQL which sessions ended
/// within an access token's lifetime, then listens for each one ended from then on
/// (`SessionRevocations`), and starts over when the connection is lost.
struct RevokedSessionsFeed: Service {
    let database: Database
    let revoked: RevokedSessions
    let logger: Logger
    /// Called each time the feed listens (again): tests wait on it instead of sleeping.
    var listening: @Sendable () -> Void = {}

    func run() async throws {
        // Nothing to finish at shutdown: stop listening at once.
        try await cancelWhenGracefulShutdown { try await listen() }
    }

    private func listen() async throws {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await database.followRevokedSessions(
                    within: Int(revoked.tokenLifetime) + 60, listening: listening, revoked.revoke)
            } catch {
                if Task.isCancelled { return }
                logger.warning("lost the session revocation feed; listening again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
