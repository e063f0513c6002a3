import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneDevelopment
import Testing

/// A database of one test's own, in the shared throwaway cluster (or on the server
/// `SOAPSTONE_TEST_DATABASE_URL` names).
public struct TestDatabase: Sendable {
    public let name: String
    public let server: TestServer
    let logger: Logger

    public static let superuser = TestServer.superuser
    public static let owner = ClusterBootstrap.ownerRole
    public static let server = ClusterBootstrap.serverRole

    public func configuration(as user: String = TestDatabase.server) -> PostgresClient.Configuration {
        var configuration = server.configuration(user: user, database: name)
        configuration.options.maximumConnections = 4
        return configuration
    }

    public func url(as user: String = TestDatabase.server) -> String {
        server.url(user: user, database: name)
    }

    /// Drops this database when it lives on an external server, where nothing else would until
    /// the next run (the local cluster goes with its process).
    public func dropIfExternal() async throws {
        guard case .external(let external) = server else { return }
        try await external.drop(name, logger: logger)
    }

    /// One plain connection, closed afterwards.
    public func withConnection<T: Sendable>(
        as user: String = TestDatabase.superuser, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await TestCluster.withConnection(to: server, user: user, database: name, logger: logger, body)
    }

    /// A pooled client, running for exactly as long as `body`.
    public func withClient<T: Sendable>(
        as user: String = TestDatabase.server, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        try await PostgresClient.withRunning(configuration(as: user), logger: logger, body)
    }

    /// The server's `Database` (as soapstone_server), for repository-level tests.
    public func withDatabase<T: Sendable>(
        as user: String = TestDatabase.server, _ body: @escaping @Sendable (Database) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await withClient(as: user) { client in try await body(Database(client: client, logger: logger)) }
    }

    /// Runs a statement as the superuser in the server's maintenance database, e.g. to close
    /// this database to connections.
    public func administer(_ sql: String) async throws {
        try await TestCluster.withConnection(
            to: server, user: Self.superuser, database: server.maintenanceDatabase, logger: logger
        ) {
            connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// What whoever controls the database server can do behind the triggers' back: runs the
    /// statements of `sql` (one per line ending in ";") as the superuser with every trigger (the
    /// append-only ones, the keys') skipped, in one transaction. On Citus the triggers fire on
    /// the workers' shards: the setting goes there too, as a SET LOCAL Citus carries (on
    /// PostgreSQL alone, `citus.propagate_set_commands` is a name without effect).
    public func tamper(_ sql: String) async throws {
        try await withConnection(as: Self.superuser) { connection in
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SET LOCAL citus.propagate_set_commands = 'local'", logger: logger)
            try await connection.query("SET LOCAL session_replication_role = replica", logger: logger)
            for statement in sql.components(separatedBy: ";\n") {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        }
    }

    /// The first column of the first row, which must be there: an id a test looks up.
    public func value(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await strings(sql).first ?? nil, "no row for: \(sql)", sourceLocation: sourceLocation)
    }

    /// Runs one SQL text as the superuser and answers its first column as text, row by row.
    public func strings(_ sql: String, as user: String = TestDatabase.superuser) async throws -> [String?] {
        try await withConnection(as: user) { connection in
            var values: [String?] = []
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String?.self)
            {
                values.append(value)
            }
            return values
        }
    }
}
