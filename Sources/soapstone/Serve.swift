import ArgumentParser
import Foundation
import Hummingbird
import SoapstoneAPI

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API against any PostgreSQL (connect as a member of soapstone_app).")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let configuration = try await runReporting {
            let url = try database.parsed()
            // Which protection the database connection has, said once where the operator sees it.
            try makeLogger().info("database connection", metadata: ["database": "\(url.security)"])
            var configuration = AppConfiguration(
                host: listen.host, port: try listen.resolvedPort(), database: url.clientConfiguration(),
                auth: try authConfiguration(developmentKeyFile: nil), logLevel: try makeLogger().logLevel)
            configuration.metrics = try listen.metricsListener()
            configuration.database.options.maximumConnections = try listen.resolvedDatabaseConnections()
            let environment = ProcessInfo.processInfo.environment
            if let list = environment["SOAPSTONE_TRUSTED_PROXIES"], !list.isEmpty {
                configuration.trustedProxies = try TrustedProxies(parsing: list)
            }
            if let header = environment["SOAPSTONE_CLIENT_ADDRESS_HEADER"] {
                configuration.trustedProxies.header = try TrustedProxies.Header(parsing: header)
            }
            return configuration
        }
        try await runReporting {
            let app = try await buildApplication(configuration)
            print("Soapstone serves http://\(listen.host):\(try listen.resolvedPort())")
            if let metrics = configuration.metrics { print("Metrics: http://\(metrics.host):\(metrics.port)/metrics") }
            fflush(nil)
            try await app.runUntilStopped(gracePeriod: try shutdownGracePeriod())
        }
    }
}
