import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneDevelopment

#if canImport(Glibc)
    import Glibc
#endif

/// Where the tests' databases live: the throwaway cluster each test process starts, or a
/// server somebody else runs, named by `SOAPSTONE_TEST_DATABASE_URL` (docs/scaling.md: a Citus
/// coordinator, so the suites run on a distributed database).
public enum TestServer: Sendable {
    case local(RunningCluster)
    case external(ExternalTestServer)

    /// The server named by `SOAPSTONE_TEST_DATABASE_URL`, if any: read once per test process.
    public static let externalURL: String? = {
        let text = ProcessInfo.processInfo.environment["SOAPSTONE_TEST_DATABASE_URL"] ?? ""
        return text.isEmpty ? nil : text
    }()

    /// The role the fixtures act as when they must be above RLS: the local cluster's `postgres`,
    /// or the external URL's user (which must be a superuser).
    public static let superuser: String = {
        guard let text = externalURL else { return LocalCluster.superuser }
        return (try? DatabaseURL(parsing: text).user) ?? LocalCluster.superuser
    }()

    public func configuration(user: String, database: String) -> PostgresClient.Configuration {
        switch self {
        case .local(let running): running.configuration(user: user, database: database)
        case .external(let server): server.coordinator.as(user, database: database).clientConfiguration()
        }
    }

    public func connectionConfiguration(user: String, database: String) throws -> PostgresConnection.Configuration {
        switch self {
        case .local(let running):
            .init(unixSocketPath: running.socketPath, username: user, password: nil, database: database)
        case .external(let server): try server.coordinator.as(user, database: database).connectionConfiguration()
        }
    }

    /// The same place as a URL, for psql and for `--database-url`.
    public func url(user: String, database: String) -> String {
        switch self {
        case .local(let running): running.url(user: user, database: database)
        case .external(let server): server.coordinator.as(user, database: database).text
        }
    }

    /// A database every connection of the superuser may use for commands about others.
    public var maintenanceDatabase: String {
        switch self {
        case .local: "postgres"
        case .external(let server): server.coordinator.database
        }
    }

    /// A Citus coordinator with workers: every database made here is distributed.
    public var isCitus: Bool {
        if case .external(let server) = self { server.isCitus } else { false }
    }

    public var isLocal: Bool {
        if case .local = self { true } else { false }
    }

    /// The port the server listens on.
    public var port: Int {
        switch self {
        case .local(let running): running.port
        case .external(let server): server.coordinator.port
        }
    }
}

/// A PostgreSQL server the tests do not run: its coordinator (or only node) and, on Citus, the
/// workers its database has registered. Only the superuser's password is taken from the URL:
/// the soapstone roles must be admitted from this machine without one (a lab on loopback).
public struct ExternalTestServer: Sendable {
    /// One node, as the superuser sees it.
    public struct Node: Sendable, Hashable {
        public let host: String
        public let port: Int
        public let user: String
        public let password: String?
        public let database: String
        let tlsMode: DatabaseURL.TLSMode

        /// The same node, as another role or in another database.
        public func `as`(_ role: String, database: String) -> Node {
            Node(
                host: host, port: port, user: role, password: role == user ? password : nil, database: database,
                tlsMode: tlsMode)
        }

        var text: String {
            var components = URLComponents()
            components.scheme = "postgres"
            components.user = user
            components.password = password
            components.host = host
            components.port = port
            components.path = "/\(database)"
            components.queryItems = [URLQueryItem(name: "sslmode", value: tlsMode.rawValue)]
            return components.string!
        }

        func parsed() throws -> DatabaseURL { try DatabaseURL(parsing: text) }
        func clientConfiguration() -> PostgresClient.Configuration { (try? parsed())!.clientConfiguration() }
        func connectionConfiguration() throws -> PostgresConnection.Configuration { try parsed().connectionConfiguration() }
    }

    public let coordinator: Node
    /// Citus's workers, from `pg_dist_node` of the URL's database; empty on a plain server.
    public let workers: [Node]
    /// The workers' database for commands about others.
    static let workerMaintenanceDatabase = "postgres"

    public var isCitus: Bool { !workers.isEmpty }

    /// What copies the roles to the workers (a node added, a first distribution) one at a time:
    /// Citus's copies for two databases at once collide on the workers' role catalog ("tuple
    /// concurrently updated").
    static let roleCopies = SerialGate()

    /// Reads the URL, and the workers its database has registered.
    static func connect(url text: String, logger: Logger) async throws -> ExternalTestServer {
        let url = try DatabaseURL(parsing: text)
        guard case .tcp(let host, let port) = url.endpoint else {
            throw TestClusterError(description: "SOAPSTONE_TEST_DATABASE_URL: name a host and port, not a socket")
        }
        let coordinator = Node(
            host: host, port: port, user: url.user, password: url.password, database: url.database, tlsMode: url.tlsMode)
        let workers = try await withConnection(to: coordinator, logger: logger) { connection in
            let citus = try await connection.query(
                "SELECT count(*)::int8 FROM pg_extension WHERE extname = 'citus'", logger: logger
            ).collect().first?.decode(Int.self) ?? 0
            guard citus > 0 else { return [Node]() }
            return try await connection.query(
                """
                SELECT nodename, nodeport::int8 FROM pg_dist_node
                 WHERE noderole = 'primary' AND isactive AND groupid <> 0 ORDER BY nodeid
                """, logger: logger
            ).collect().map { row in
                let (name, port) = try row.decode((String, Int).self)
                return coordinator.as(coordinator.user, database: workerMaintenanceDatabase).moved(to: name, port: port)
            }
        }
        return ExternalTestServer(coordinator: coordinator, workers: workers)
    }

    static func withConnection<T: Sendable>(
        to node: Node, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await TestCluster.withConnection(configuration: try node.connectionConfiguration(), logger: logger, body)
    }

    /// Every node's maintenance database, coordinator first.
    var maintenanceNodes: [Node] { [coordinator] + workers }

    /// The node of `database`: on the coordinator, or on each worker.
    func nodes(of database: String) -> [Node] {
        maintenanceNodes.map { $0.as($0.user, database: database) }
    }

    /// Makes the soapstone roles on every node; on Citus's workers soapstone_auth may log in
    /// (docs/scaling.md, step 2), again after every node is added to a database, since Citus
    /// then copies the coordinator's roles over, NOLOGIN included.
    func ensureRoles(logger: Logger) async throws {
        for node in maintenanceNodes {
            try await Self.withConnection(to: node, logger: logger) {
                try await ClusterBootstrap.ensureRoles(superuser: $0, logger: logger)
            }
        }
        try await letAuthLogInOnWorkers(logger: logger)
    }

    func letAuthLogInOnWorkers(logger: Logger) async throws {
        for worker in workers {
            try await Self.withConnection(to: worker, logger: logger) {
                try await $0.runToEnd(
                    PostgresQuery(unsafeSQL: "ALTER ROLE \(ClusterBootstrap.authRole) LOGIN"), logger: logger)
            }
        }
    }

    /// A database of the soapstone owner on every node; on Citus, with the extension, and the
    /// coordinator's metadata naming every worker.
    func createEmptyDatabase(_ name: String, logger: Logger) async throws {
        for node in maintenanceNodes.reversed() {
            try await Self.withConnection(to: node, logger: logger) {
                try await $0.runToEnd(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(ClusterBootstrap.ownerRole)"), logger: logger)
            }
        }
        guard isCitus else { return }
        for node in nodes(of: name).reversed() {
            try await Self.withConnection(to: node, logger: logger) {
                try await $0.runToEnd("SET client_min_messages = warning", logger: logger)
                try await $0.runToEnd("CREATE EXTENSION citus", logger: logger)
            }
        }
        try await Self.roleCopies.run { [self] in
            try await Self.withConnection(to: coordinator.as(coordinator.user, database: name), logger: logger) { connection in
                try await connection.runToEnd(
                    "SELECT citus_set_coordinator_host(\(coordinator.host), \(Int32(coordinator.port)))", logger: logger)
                for worker in workers {
                    try await connection.runToEnd("SELECT citus_add_node(\(worker.host), \(Int32(worker.port)))", logger: logger)
                }
            }
            try await letAuthLogInOnWorkers(logger: logger)
        }
    }

    /// A copy of `template` on every node. On Citus the copies of one distributed database are
    /// again one: its metadata names shards by id, and the coordinator reaches them in the
    /// database of the same name on each worker. The template is sealed (`seal`), so no
    /// connection of Citus's holds the copy up.
    func copy(_ template: String, to name: String, logger: Logger) async throws {
        for node in maintenanceNodes.reversed() {
            try await Self.withConnection(to: node, logger: logger) { connection in
                try await TestCluster.createCopy(of: template, named: name, on: connection, logger: logger)
            }
        }
    }

    /// Drops the databases earlier test processes of this machine made (named after their
    /// process id) once those processes are gone.
    func dropLeftovers(prefix: String, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in maintenanceNodes {
                group.addTask { try await Self.dropLeftovers(prefix: prefix, on: node, logger: logger) }
            }
            try await group.waitForAll()
        }
    }

    private static func dropLeftovers(prefix: String, on node: Node, logger: Logger) async throws {
        try await withConnection(to: node, logger: logger) { connection in
            let names = try await connection.query(
                "SELECT datname::text FROM pg_database WHERE datname LIKE \(prefix + "%")", logger: logger
            ).collect().map { try $0.decode(String.self) }
            for name in names {
                let pid = name.dropFirst(prefix.count).prefix { $0.isNumber }
                guard let pid = Int32(pid), pid != getpid(), kill(pid, 0) != 0 else { continue }
                try await connection.runToEnd(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS false"), logger: logger)
                try? await connection.runToEnd(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
            }
        }
    }

    /// Closes `template` to connections on every node and ends those it has, so copies of it
    /// never wait for one.
    func seal(_ template: String, logger: Logger) async throws {
        for node in maintenanceNodes {
            try await Self.withConnection(to: node, logger: logger) { connection in
                try await connection.runToEnd(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(template) ALLOW_CONNECTIONS false"), logger: logger)
                try await connection.runToEnd(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = \(template)", logger: logger)
            }
        }
    }

    /// Drops `name` on every node, ending whatever is connected to it. Closed to connections
    /// first: FORCE ends client sessions, but not Citus's maintenance process, which would
    /// otherwise come back between the two.
    func drop(_ name: String, logger: Logger) async throws {
        for node in maintenanceNodes {
            try await Self.withConnection(to: node, logger: logger) { connection in
                try await connection.runToEnd(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS false"), logger: logger)
                for attempt in 1... {
                    do {
                        try await connection.runToEnd(
                            PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
                        return
                    } catch let error as PSQLError where error.sqlState == "55006" && attempt < 20 {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
        }
    }
}

extension ExternalTestServer.Node {
    fileprivate func moved(to host: String, port: Int) -> Self {
        Self(host: host, port: port, user: user, password: password, database: database, tlsMode: tlsMode)
    }
}

extension PostgresConnection {
    /// A statement whose rows nobody reads, run to its end so its error is thrown here.
    func runToEnd(_ statement: PostgresQuery, logger: Logger) async throws {
        _ = try await query(statement, logger: logger).collect()
    }
}
