import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SoapstoneAPI
import SoapstoneCore
import SoapstoneDatabase
import SoapstoneDevelopment

/// Everything a developer needs from one command: a PostgreSQL of the project's own, the schema,
/// the development data, and the server.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a local PostgreSQL (in .data/), migrate, seed, and serve.")
    @OptionGroup var listen: ListenOptions
    @Option(help: "Where the local cluster lives (default: $SOAPSTONE_DATA_DIR, else .data).")
    var dataDir: String?

    static let databaseName = "soapstone"

    func run() async throws {
        let logger = try makeLogger()
        let environment = ProcessInfo.processInfo.environment
        if let declared = environment["SOAPSTONE_ENV"], declared.lowercased() != "development" {
            throw ValidationError("`soapstone dev` is for development; SOAPSTONE_ENV=\(declared). Use `soapstone serve`.")
        }
        var folder = URL(fileURLWithPath: dataDir ?? environment["SOAPSTONE_DATA_DIR"] ?? ".data").standardizedFileURL
        if dataDir == nil, environment["SOAPSTONE_DATA_DIR"] == nil, !LocalCluster.serverCanReach(folder) {
            // PostgreSQL runs as the postgres OS user, who cannot enter this checkout (a closed
            // home folder): keep the cluster in a folder of its own, the same one every time.
            let fallback = URL(fileURLWithPath: "/var/tmp/soapstone-\(LocalCluster.shortHash(of: folder.path))")
            logger.notice(
                "the postgres OS user cannot reach the checkout; keeping the cluster elsewhere",
                metadata: ["wanted": "\(folder.path)", "using": "\(fallback.path)"])
            folder = fallback
        }
        let port = try listen.resolvedPort()
        let host = listen.host

        try await runReporting {
            let started = try await LocalCluster(folder: folder, settings: .init(logger: logger)).start()
            do {
                try await prepare(started, logger: logger)
                var configuration = AppConfiguration(
                    host: host, port: port,
                    database: started.configuration(user: ClusterBootstrap.serverRole, database: Self.databaseName),
                    auth: try authConfiguration(
                        developmentKeyFile: folder.appendingPathComponent("jwt-signing-key"), isProduction: false),
                    logLevel: logger.logLevel)
                configuration.metrics = try listen.metricsListener()
                configuration.database.options.maximumConnections = try listen.resolvedDatabaseConnections()
                let app = try await buildApplication(configuration)
                printWelcome(started, host: host, port: port)
                if let metrics = configuration.metrics { print("Metrics: http://\(metrics.host):\(metrics.port)/metrics") }
                try await app.runUntilStopped(gracePeriod: try shutdownGracePeriod())
            } catch {
                if started.startedHere { try? await started.cluster.stop() }
                throw error
            }
            if started.startedHere {
                logger.info("stopping PostgreSQL")
                try await started.cluster.stop()
            }
        }
    }

    /// Roles, database, schema and development data; each step does nothing when done already.
    private func prepare(_ cluster: RunningCluster, logger: Logger) async throws {
        try await withClient(cluster.configuration(user: LocalCluster.superuser, database: "postgres"), logger: logger) {
            client in
            try await client.withConnection { connection in
                try await ClusterBootstrap.ensureRoles(superuser: connection, logger: logger)
                try await ClusterBootstrap.ensureDatabase(Self.databaseName, superuser: connection, logger: logger)
            }
        }
        let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
        try await withClient(cluster.configuration(user: ClusterBootstrap.ownerRole, database: Self.databaseName), logger: logger)
        {
            client in
            try await client.withConnection { try await migrator.up(on: $0) }
        }
        try await withClient(
            cluster.configuration(user: ClusterBootstrap.serverRole, database: Self.databaseName), logger: logger
        ) {
            client in
            try await DevelopmentSeed(database: Database(client: client, logger: logger), logger: logger)
                .run(environment: DevelopmentAccounts.developmentEnvironment)
        }
    }

    private func printWelcome(_ cluster: RunningCluster, host: String, port: Int) {
        var lines = [
            "",
            "Soapstone (development) serves http://\(host):\(port)   (Ctrl-C stops it and its PostgreSQL)",
            "",
            "Development accounts, all with the password \(DevelopmentAccounts.password):",
        ]
        for account in DevelopmentSeed.accounts {
            lines.append(
                "  organisation \(account.organization.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                    + "\(account.email.padding(toLength: 28, withPad: " ", startingAt: 0)) \(account.role.rawValue)")
        }
        lines += [
            "",
            "PostgreSQL (data in \(cluster.cluster.dataDirectory.path)):",
            "  as the server:  psql '\(cluster.url(user: ClusterBootstrap.serverRole, database: Self.databaseName))'",
            "  as the owner:   psql '\(cluster.url(user: ClusterBootstrap.ownerRole, database: Self.databaseName))'",
            "",
        ]
        print(lines.joined(separator: "\n"))
        // stdout is block-buffered when it is not a terminal; a log reader wants this now
        // (nil flushes every stream, and avoids touching the global `stdout` from Swift 6).
        fflush(nil)
    }
}
