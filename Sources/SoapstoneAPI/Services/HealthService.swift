import Foundation
import Logging
import SoapstoneDatabase

/// GET /health: no authentication, no tenant data. 200 with the schema version when the
/// database answers in time, 503 (problem+json) when it does not.
struct HealthService: Sendable {
    let database: Database
    let timeout: Duration

    /// The schema version, when the database answers in time.
    func check(logger: Logger) async throws -> Int {
        do {
            return try await withDeadline(timeout) { try await database.schemaVersion() }
        } catch {
            throw DatabaseError.unavailable("health check: \(String(reflecting: type(of: error)))")
        }
    }
}
