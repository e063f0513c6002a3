import Foundation
import Hummingbird
import Logging
import SoapstoneDatabase

/// GET /health: no authentication, no tenant data. 200 with the schema version when the
/// database answers in time, 503 (problem+json) when it does not.
struct HealthController: Sendable {
    let database: Database
    let timeout: Duration

    struct Healthy: ResponseEncodable {
        let status: String
        let database: String
        let schemaVersion: Int

        enum CodingKeys: String, CodingKey {
            case status, database
            case schemaVersion = "schema_version"
        }
    }

    func check(logger: Logger) async throws -> Healthy {
        do {
            let version = try await withDeadline(timeout) { try await database.schemaVersion() }
            return Healthy(status: "ok", database: "up", schemaVersion: version)
        } catch {
            logger.warning("health check: database not reachable", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw Problem.databaseUnavailable
        }
    }
}

struct DeadlineExceeded: Error {}

/// Runs `body`, giving up after `timeout`: a pool waiting for a database that is gone would
/// otherwise hold the request until its own connect timeout.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}
