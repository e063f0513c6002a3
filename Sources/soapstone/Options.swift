import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SoapstoneAPI
import SoapstoneCore
import SoapstoneDatabase

/// `--database-url`, falling back to `DATABASE_URL`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "postgres://user:password@host:port/database (default: $DATABASE_URL)")
    var url: String?

    func configuration() throws -> PostgresClient.Configuration {
        try parsed().clientConfiguration()
    }

    func parsed() throws -> DatabaseURL {
        guard let url = url ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("no database: pass --database-url or set DATABASE_URL (or run `soapstone dev` for a local one)")
        }
        return try DatabaseURL(parsing: url)
    }
}

/// `--host` and `--port` (default 8080, or `PORT`).
struct ListenOptions: ParsableArguments {
    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (default: $PORT, else 8080).")
    var port: Int?

    @Option(help: "Serve GET /metrics on this port, apart from the API (default: $SOAPSTONE_METRICS_PORT, else none).")
    var metricsPort: Int?

    @Option(help: "The address the metrics listen on.")
    var metricsHost = "127.0.0.1"

    @Option(help: "Database connections the server's pools open together, one pool per core (default: $SOAPSTONE_DATABASE_CONNECTIONS, else 20).")
    var databaseConnections: Int?

    /// The serving pools' connections together; at least one per core, or start-up stops.
    func resolvedDatabaseConnections() throws -> Int {
        if let databaseConnections {
            guard databaseConnections > 0 else { throw ValidationError("--database-connections \(databaseConnections) is not a count") }
            return databaseConnections
        }
        guard let text = ProcessInfo.processInfo.environment["SOAPSTONE_DATABASE_CONNECTIONS"] else { return 20 }
        guard let count = Int(text), count > 0 else {
            throw ValidationError("SOAPSTONE_DATABASE_CONNECTIONS=\(text) is not a count of connections")
        }
        return count
    }

    func resolvedPort() throws -> Int {
        try port ?? Self.port(fromEnvironment: "PORT") ?? 8080
    }

    func metricsListener() throws -> MetricsListener? {
        guard let port = try metricsPort ?? Self.port(fromEnvironment: "SOAPSTONE_METRICS_PORT") else { return nil }
        guard (1...65535).contains(port) else { throw ValidationError("--metrics-port \(port) is not a port") }
        return MetricsListener(host: metricsHost, port: port)
    }

    private static func port(fromEnvironment name: String) throws -> Int? {
        guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else { throw ValidationError("\(name)=\(text) is not a port") }
        return port
    }
}

/// The logger of a command, at `LOG_LEVEL` (default `info`); a level that is not one is an
/// error at start-up, as a bad `PORT` is, not a quiet `info`.
func makeLogger(_ label: String = "soapstone") throws -> Logger {
    var logger = Logger(label: label)
    if let text = ProcessInfo.processInfo.environment["LOG_LEVEL"] {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("LOG_LEVEL=\(text) is not a level (\(levels))")
        }
        logger.logLevel = level
    } else {
        logger.logLevel = .info
    }
    return logger
}

/// A running client for one command; the pool's own chatter stays out of the terminal.
@discardableResult
func withClient<T: Sendable>(
    _ configuration: PostgresClient.Configuration, logger: Logger,
    _ body: @escaping @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    var quiet = logger
    // The pool reports each reconnect attempt; errors are what an operator needs here.
    quiet.logLevel = .error
    return try await PostgresClient.withRunning(configuration, logger: quiet, body)
}

/// Errors reach the terminal as their own words, not as Swift's dump of the value.
func explain(_ error: any Error) -> String {
    switch error {
    case let error as PSQLError: "database error: \(error.serverSummary)"
    case let error as CustomStringConvertible: error.description
    default: String(describing: error)
    }
}

/// The value of `name`, a whole number of seconds above 0, if it is set.
func positiveSeconds(_ name: String, in environment: [String: String]) throws -> TimeInterval? {
    guard let text = environment[name] else { return nil }
    guard let seconds = Int(text), seconds > 0 else { throw ValidationError("\(name)=\(text) is not a positive number") }
    return TimeInterval(seconds)
}

/// How long a stopping server (SIGTERM) may take to answer the requests in flight:
/// SOAPSTONE_SHUTDOWN_GRACE_SECONDS, 20 by default (under the 30 s a container orchestrator
/// usually waits before SIGKILL).
func shutdownGracePeriod() throws -> Duration {
    .seconds(try positiveSeconds("SOAPSTONE_SHUTDOWN_GRACE_SECONDS", in: ProcessInfo.processInfo.environment) ?? 20)
}

/// The access-token keys and the auth limits, from the environment (README, "Configuration").
/// Production unless `isProduction` says otherwise or SOAPSTONE_ENV=development.
func authConfiguration(developmentKeyFile: URL?, isProduction: Bool? = nil) throws -> AuthConfiguration {
    let environment = ProcessInfo.processInfo.environment
    var auth = AuthConfiguration(keys: try SigningKeys.load(environment: environment, developmentFile: developmentKeyFile))
    auth.isProduction = isProduction ?? DevelopmentAccounts.isProduction(environment: environment)
    if let text = environment["SOAPSTONE_AUTH_REQUESTS_PER_MINUTE"] {
        guard let limit = Int(text), limit > 0 else {
            throw ValidationError("SOAPSTONE_AUTH_REQUESTS_PER_MINUTE=\(text) is not a positive number")
        }
        auth.requestsPerMinutePerAddress = limit
    }
    if let seconds = try positiveSeconds("SOAPSTONE_SESSION_LIFETIME_SECONDS", in: environment) {
        auth.sessionLifetime = seconds
    }
    if let seconds = try positiveSeconds("SOAPSTONE_SESSION_IDLE_SECONDS", in: environment) {
        auth.sessionIdleLimit = seconds
    }
    if let text = environment["SOAPSTONE_WEB_IDLE_SECONDS"] {
        guard let seconds = Int(text), seconds > 0 else {
            throw ValidationError("SOAPSTONE_WEB_IDLE_SECONDS=\(text) is not a positive number")
        }
        auth.webIdleTimeout = TimeInterval(seconds)
    }
    return auth
}
