import Foundation
import Logging
import PostgresNIO
import SoapstoneCore
import SoapstoneDatabase
import SoapstoneDevelopment
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One throwaway PostgreSQL cluster per test process, under the system temp folder (reachable
/// by the postgres OS user, unlike a checkout under a closed home). Each test takes a database
/// of its own, copied in milliseconds from a template: empty, migrated, or migrated and seeded.
/// A suite that does something to the server itself (kills it, turns TLS on) takes a cluster
/// of its own instead, so every other suite's shared one is left alone.
public actor TestCluster {
    public static let shared = TestCluster()

    public enum Template: String, Sendable, CaseIterable {
        /// No schema at all: for migration tests.
        case empty = "template0"
        /// The schema as the migrations make it.
        case migrated = "soapstone_template"
        /// The schema and the development data (two clinics, every table filled).
        case seeded = "soapstone_seeded"
    }

    /// Who ran the migrations. A DBA may migrate as the owner role (the README's way) or as a
    /// superuser; the schema must serve alike. The API tests take the superuser's, the
    /// database tests the owner's (they test what the owner itself may do).
    public enum MigratingRole: String, Sendable, CaseIterable {
        case owner
        case superuser

        var name: String { self == .owner ? ClusterBootstrap.ownerRole : TestServer.superuser }
    }

    private var starting: Task<RunningCluster, any Error>?
    private var external: Task<ExternalTestServer, any Error>?
    /// Whether this is the shared cluster, which `SOAPSTONE_TEST_DATABASE_URL` replaces; a
    /// suite's own cluster is always started here (it does things to the server itself).
    let isShared: Bool
    private var templates: [String: Task<Void, any Error>] = [:]
    private var counter = 0
    let logger: Logger
    /// The folder's name under the temp folder: `soapstone-test-<pid>`, then `-<name>` for a
    /// suite's own (.ci/run stops whatever a killed run left under `soapstone-test-*`).
    let folderName: String
    let serverSettings: [String: String]

    init() {
        self.init(folderName: "soapstone-test-\(getpid())", serverSettings: [:], isShared: true)
    }

    /// A cluster of a suite's own, with extra `postgresql.conf` settings (e.g. TLS).
    public init(ownNamed name: String, serverSettings: [String: String] = [:]) {
        self.init(folderName: "soapstone-test-\(getpid())-\(name)", serverSettings: serverSettings, isShared: false)
    }

    private init(folderName: String, serverSettings: [String: String], isShared: Bool) {
        var logger = Logger(label: "soapstone.tests")
        logger.logLevel = .error
        self.logger = logger
        self.folderName = folderName
        self.serverSettings = serverSettings
        self.isShared = isShared
    }

    /// Names of the databases made on an external server start with this and the process id,
    /// so a later run can drop what this one leaves (nothing runs at exit to drop them).
    static let externalPrefix = "soapstone_t"
    private var externalRunPrefix: String { "\(Self.externalPrefix)\(getpid())_" }

    /// Where this cluster's databases are made: the external server when one is named and this
    /// is the shared cluster, else the cluster started here.
    public func server() async throws -> TestServer {
        guard isShared, let url = TestServer.externalURL else { return .local(try await cluster()) }
        if let external { return .external(try await external.value) }
        let (logger, prefix) = (logger, Self.externalPrefix)
        let task = Task {
            let server = try await ExternalTestServer.connect(url: url, logger: logger)
            try await server.ensureRoles(logger: logger)
            // Beside the run, not before it: each DROP DATABASE waits for a checkpoint, and
            // what this process does not finish the next one does.
            Task.detached { try? await server.dropLeftovers(prefix: prefix, logger: logger) }
            return server
        }
        external = task
        return .external(try await task.value)
    }

    /// The running cluster, started on first use with its roles made.
    public func cluster() async throws -> RunningCluster {
        if let starting { return try await starting.value }
        let logger = logger
        let (folderName, serverSettings) = (folderName, serverSettings)
        let task = Task {
            TestClusterCleanup.removeLeftovers()
            let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(folderName)
            var settings = LocalCluster.Settings.throwaway(logger: logger)
            settings.serverSettings.merge(serverSettings) { $1 }
            let cluster = try LocalCluster(folder: folder, settings: settings)
            let running = try await cluster.start()
            TestClusterCleanup.register(cluster)
            try await Self.withConnection(to: .local(running), user: LocalCluster.superuser, database: "postgres", logger: logger) {
                try await ClusterBootstrap.ensureRoles(superuser: $0, logger: logger)
            }
            return running
        }
        starting = task
        return try await task.value
    }

    /// Stops the server as a crash would (SIGKILL to the postmaster: its backends end at once).
    public func killServer() async throws {
        let running = try await cluster()
        let pidFile = running.cluster.dataDirectory.appendingPathComponent("postmaster.pid")
        let text = try String(contentsOf: pidFile, encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw TestClusterError(description: "no postmaster pid in \(pidFile.path)")
        }
        kill(pid, SIGKILL)
        while LocalCluster.isLivePostgres(pid) { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Starts the server again after `killServer`, on the port (and so the socket) it had. The
    /// killed postmaster's backends end a moment after it, and until they have, PostgreSQL
    /// refuses to start over the shared memory they still hold: tried again for a while.
    public func restartServer() async throws {
        let running = try await cluster()
        for attempt in 1... {
            do {
                _ = try await running.cluster.start(port: running.port)
                return
            } catch let error as LocalClusterError where attempt < 50 {
                _ = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A new database of its own for one test or suite.
    public func makeDatabase(_ template: Template = .migrated, migratedBy role: MigratingRole = .owner) async throws
        -> TestDatabase
    {
        do {
            return try await makeDatabaseReporting(template, migratedBy: role)
        } catch let error as PSQLError {
            // PSQLError hides its message by design; a failing test needs it.
            throw TestClusterError(description: "making a \(template) database: \(error.serverSummary)")
        }
    }

    private func makeDatabaseReporting(_ template: Template, migratedBy role: MigratingRole) async throws -> TestDatabase {
        let server = try await server()
        let templateName = try await ensureTemplate(template, migratedBy: role)
        counter += 1
        let name = "\(server.isLocal ? "t" : externalRunPrefix)\(counter)_\(UUID().uuidString.prefix(8).lowercased())"
        try await Self.createDatabase(name, from: templateName, on: server, logger: logger)
        return TestDatabase(name: name, server: server, logger: logger)
    }

    /// Makes the template once; answers its database name.
    private func ensureTemplate(_ template: Template, migratedBy role: MigratingRole) async throws -> String {
        let server = try await server()
        if template == .empty && server.isLocal { return template.rawValue }
        // Nobody migrates an empty database: one for either role.
        let local = role == .owner || template == .empty ? template.rawValue : "\(template.rawValue)_by_\(role.rawValue)"
        let name = server.isLocal ? local : "\(externalRunPrefix)\(local)"
        if let task = templates[name] {
            try await task.value
            return name
        }
        // No suspension between the look-up above and the store below: a second caller
        // must find this template's task, never start another.
        let logger = logger
        var task: Task<Void, any Error>
        switch template {
        case .empty:
            // Only on an external server: a database with Citus and its nodes, when it has them.
            guard case .external(let external) = server else { return name }
            task = Task { try await external.createEmptyDatabase(name, logger: logger) }
        case .migrated:
            let empty = Task { try await self.ensureTemplate(.empty, migratedBy: role) }
            task = Task {
                try await Self.createDatabase(name, from: try await empty.value, on: server, logger: logger)
                let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
                try await Self.withConnection(to: server, user: role.name, database: name, logger: logger) {
                    try await migrator.up(on: $0)
                }
                // On Citus, distributed as an operator would, by whoever migrated (the tables' owner).
                if case .external(let external) = server, external.isCitus {
                    try await ExternalTestServer.roleCopies.run {
                        try await Self.withConnection(to: server, user: role.name, database: name, logger: logger) { connection in
                            do {
                                _ = try await Distribution.distribute(
                                    on: connection, migrations: try Migration.bundled(), shards: Self.citusShards, logger: logger)
                            } catch DistributionError.authCannotLogIn {
                                // What docs/scaling.md has the operator do after distributing, then run it again.
                                try await external.letAuthLogInOnWorkers(logger: logger)
                                _ = try await Distribution.distribute(
                                    on: connection, migrations: try Migration.bundled(), shards: Self.citusShards, logger: logger)
                            }
                        }
                    }
                }
            }
        case .seeded:
            let migrated = Task { try await self.ensureTemplate(.migrated, migratedBy: role) }
            task = Task {
                let migratedName = try await migrated.value
                try await Self.createDatabase(name, from: migratedName, on: server, logger: logger)
                try await TestDatabase(name: name, server: server, logger: logger).withDatabase { database in
                    // Cost 4: the seed's hashes only need to be bcrypt, not slow.
                    _ = try await DevelopmentSeed(database: database, logger: logger, hasher: PasswordHasher(cost: 4))
                        .run(environment: DevelopmentAccounts.developmentEnvironment)
                }
            }
        }
        if case .external(let external) = server {
            // Once made, nobody connects to a template again: Citus's maintenance process would
            // (and comes back after it is ended), and CREATE DATABASE … TEMPLATE waits for it.
            let building = task
            task = Task {
                try await building.value
                try await external.seal(name, logger: logger)
            }
        }
        templates[name] = task
        try await task.value
        return name
    }

    /// Shards per distributed table in the tests' Citus databases: few, since every test copies
    /// its database on every node. With 4 on two workers the two seeded clinics live on
    /// different workers (their ids are fixed: northside hashes into the fourth range, lakeview
    /// into the third), so a test that crosses tenants crosses nodes.
    static let citusShards = 4

    /// A copy of `template`: on an external server on every node, else in this cluster.
    static func createDatabase(_ name: String, from template: String, on server: TestServer, logger: Logger) async throws {
        switch server {
        case .external(let external):
            try await external.copy(template, to: name, logger: logger)
        case .local:
            try await withConnection(to: server, user: LocalCluster.superuser, database: "postgres", logger: logger) {
                try await createCopy(of: template, named: name, on: $0, logger: logger)
            }
        }
    }

    public static func withConnection<T: Sendable>(
        to server: TestServer, user: String, database: String, logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(
            configuration: try server.connectionConfiguration(user: user, database: database), logger: logger, body)
    }

    /// One plain connection for `body`, closed afterwards whatever happens.
    static func withConnection<T: Sendable>(
        configuration: PostgresConnection.Configuration, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// CREATE DATABASE … TEMPLATE, which fails while anyone is connected to the template: a pool
    /// that just closed may still be saying goodbye, so it is tried again for a while.
    static func createCopy(
        of template: String, named name: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for attempt in 1... {
            do {
                try await connection.runToEnd(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(ClusterBootstrap.ownerRole) TEMPLATE \(template)"),
                    logger: logger)
                return
            } catch let error as PSQLError where error.sqlState == "55006" && attempt < 200 {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }
}

public struct TestClusterError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Stops the cluster when the test process exits, and removes clusters that earlier test
/// processes left behind when they died.
enum TestClusterCleanup {
    private static let registered = Mutex<[LocalCluster]>([])

    static func register(_ cluster: LocalCluster) {
        let first = registered.withLock { clusters in
            clusters.append(cluster)
            return clusters.count == 1
        }
        guard first else { return }
        atexit {
            TestClusterCleanup.registered.withLock { clusters in
                for cluster in clusters {
                    cluster.stopNow()
                    try? FileManager.default.removeItem(at: cluster.folder)
                }
            }
        }
    }

    static func removeLeftovers() {
        let temp = URL(fileURLWithPath: NSTemporaryDirectory())
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: temp.path)) ?? []
        for entry in entries where entry.hasPrefix("soapstone-test-") {
            let owner = entry.dropFirst("soapstone-test-".count).prefix { $0 != "-" }
            guard let pid = Int32(owner), pid != getpid() else { continue }
            if kill(pid, 0) == 0 { continue }  // its process still runs
            let folder = temp.appendingPathComponent(entry)
            if let cluster = try? LocalCluster(folder: folder, settings: .throwaway(logger: Logger(label: "cleanup"))) {
                cluster.stopNow()
            }
            try? FileManager.default.removeItem(at: folder)
        }
    }
}
