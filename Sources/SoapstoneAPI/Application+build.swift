import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SoapstoneDatabase

/// What the server needs to run; the executable and the tests both make one.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: PostgresClient.Configuration
    public var logLevel: Logger.Level
    /// How long /health waits for the database before answering 503.
    public var healthTimeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: PostgresClient.Configuration,
        logLevel: Logger.Level = .info, healthTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.logLevel = logLevel
        self.healthTimeout = healthTimeout
    }
}

public typealias AppRequestContext = BasicRequestContext

/// The whole server: the PostgreSQL pool as a service, the start-up guard, the routes.
public func buildApplication(_ configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "soapstone")
    logger.logLevel = configuration.logLevel
    let migrations = try Migration.bundled()

    var poolLogger = logger
    poolLogger.logLevel = max(configuration.logLevel, .error)
    let client = PostgresClient(configuration: configuration.database, backgroundLogger: poolLogger)
    let database = Database(client: client, logger: logger)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ProblemMiddleware())
    HealthController(database: database, timeout: configuration.healthTimeout).addRoutes(to: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "soapstone"),
        logger: logger
    )
    app.addServices(client)
    app.beforeServerStarts {
        // A check, not a migration: serving with the wrong role or schema must not start at all.
        try await database.verifyReadyToServe(migrations: migrations)
    }
    return app
}
