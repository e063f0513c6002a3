import Foundation
import Hummingbird
import HummingbirdCore
import Logging
// MultiThreadedEventLoopGroup compiles without this too, through PostgresNIO's
// `@_exported import NIO`; named here so the server does not depend on that re-export.
import NIOPosix
import OpenAPIRuntime
// SoapstoneAPI names PostgresNIO only where the client is configured (AppConfiguration) and
// run with the application's services (here); every query goes through SoapstoneDatabase.
import PostgresNIO
import Prometheus
import SoapstoneCore
import SoapstoneDatabase

/// The serving pool keeps no minimum of connections and sends no keep-alive queries. A minimum
/// above zero can crash the whole server when PostgreSQL restarts: while connects fail, the
/// pool drops the connections it was retrying without replacing them, and once the database is
/// back the next request finds fewer than the minimum and trips a precondition in PostgresNIO
/// 1.33.2 (docs/postgres-nio-pool-crash.md). With no minimum, every connection is opened on
/// demand and closed after the idle timeout, at the price of an idle timer each time one is
/// released (bench/README.md, "What the benchmark found"). A connection that dies while idle
/// fails its next query, which answers 503, and the pool opens another.
func servingPool(_ configuration: PostgresClient.Configuration) -> PostgresClient.Configuration {
    var configuration = configuration
    configuration.options.minimumConnections = 0
    configuration.options.keepAliveBehavior = nil
    return configuration
}

/// The whole server: the PostgreSQL pool as a service, the start-up guard, the routes.
public func buildApplication(_ configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "soapstone")
    logger.logLevel = configuration.logLevel
    let migrations = try Migration.bundled()

    var poolLogger = logger
    poolLogger.logLevel = max(configuration.logLevel, .error)
    let group = MultiThreadedEventLoopGroup.singleton
    // The database's maximumConnections is the serving pools' together (the revocation feed
    // holds one more), shared between one pool per event loop: fewer than one each is a
    // setting that cannot be honoured, and refused rather than rounded up.
    let loops = Array(group.makeIterator()).count
    guard configuration.database.options.maximumConnections >= loops else {
        throw ConfigurationError(
            "\(configuration.database.options.maximumConnections) database connections cannot serve \(loops) event loops "
                + "(one pool each); set SOAPSTONE_DATABASE_CONNECTIONS to \(loops) or more")
    }
    let pools = EventLoopPools(configuration: servingPool(configuration.database), group: group, backgroundLogger: poolLogger)
    let metrics = PrometheusCollectorRegistry()
    let database = Database(
        pools: pools, logger: logger,
        poolObserver: PoolMetrics(registry: metrics, maximumConnections: pools.maximumConnections))

    let auth = configuration.auth
    let tokens = await AccessTokens(
        keys: auth.keys, issuer: auth.issuer, audience: auth.audience, lifetime: auth.accessTokenLifetime,
        clock: configuration.clock)
    let hasher = PasswordHasher(cost: auth.bcryptCost, gate: auth.passwordHashing)
    let policy = PasswordPolicy(commonPasswords: try CommonPasswords.load(), isProduction: auth.isProduction)
    let loginGuard = LoginGuard(
        database: database,
        settings: .init(
            failuresBeforeLockout: auth.failuresBeforeLockout, lockout: auth.lockout,
            requestsPerMinute: auth.requestsPerMinutePerAddress),
        clock: configuration.clock)
    let health = HealthService(database: database, timeout: configuration.healthTimeout)
    let handler = APIHandler(
        auth: AuthService(
            database: database, tokens: tokens, hasher: hasher, passwordPolicy: policy, loginGuard: loginGuard,
            sessions: SessionLimits(lifetime: auth.sessionLifetime, idleLimit: auth.sessionIdleLimit), logger: logger),
        users: UserService(database: database, hasher: hasher, passwordPolicy: policy),
        patients: PatientService(database: database),
        careTeam: CareTeamService(database: database),
        encounters: EncounterService(database: database, clock: configuration.clock),
        notes: NoteService(database: database),
        auditLog: AuditLogService(database: database),
        health: health)

    let router = Router(context: AppRequestContext.self)
    // Each connection already runs on its channel's event loop, beside that loop's pool
    // (EventLoopBoundChannel). Outermost: the headers every answer carries, request ids, the
    // body limit, and the one mapping of errors to problem+json; a documented path asked with
    // another method is a 405.
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(
        middleware: RequestInfoMiddleware(
            maximumBodySize: configuration.maximumBodySize, bodyReadTimeout: configuration.bodyReadTimeout,
            trustedProxies: configuration.trustedProxies))
    router.add(middleware: LiteralHeadersMiddleware())
    router.add(middleware: try MethodNotAllowedMiddleware(document: OpenAPIDocument.data))
    try WebApp(
        timing: .init(idle: auth.webIdleTimeout, autosavePause: auth.webAutosavePause, autosaveAtMost: auth.webAutosaveAtMost)
    ).register(on: router)
    router.get("/openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
    }
    // Compact JSON with sorted keys: the same record is the same bytes in every answer (a note
    // version never changes, nor does its text), which unsorted keys, in the order of a hashed
    // dictionary, were not. Sorting costs little; pretty printing, the generator's other
    // default, cost much (the figures: bench/README.md) and stays off.
    try handler.registerHandlers(
        on: OpenAPIRouterTransport(router: router),
        configuration: Configuration(dateTranscoder: WholeSecondDates(), jsonEncodingOptions: [.sortedKeys]),
        middlewares: [
            EmptyBodyMiddleware(), OperationMetrics(registry: metrics, problems: ProblemMapping(maximumBodySize: configuration.maximumBodySize)),
            AuthenticationMiddleware(tokens: tokens, database: database, logger: logger),
            try DecodingMiddleware(document: OpenAPIDocument.data),
        ])

    var app = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            EventLoopBoundChannel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout / .nanoseconds(1))))),
                pools: pools)
        },
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "soapstone",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections, logger: logger)),
        eventLoopGroupProvider: .shared(group),
        logger: logger
    )
    for pool in pools.clients { app.addServices(pool) }
    if let listener = configuration.metrics {
        app.addServices(metricsServer(metrics, listener: listener, group: group, logger: logger))
    }
    // The revocation feed listens on a connection of its own, outside the serving pools.
    var feedConfiguration = configuration.database
    feedConfiguration.options.minimumConnections = 0
    feedConfiguration.options.maximumConnections = 1
    let feedClient = PostgresClient(configuration: feedConfiguration, backgroundLogger: poolLogger)
    app.addServices(
        feedClient,
        RevokedSessionsFeed(
            database: Database(client: feedClient, logger: logger), revoked: tokens.revoked, logger: logger,
            listening: configuration.revokedSessionsListening))
    // The audit sealer too, so that it never takes a connection a request waits for; it runs
    // on its connection's loop, as a request does (a statement written from elsewhere to a
    // connection that just closed would never be answered, and the sealer would hang).
    let sealerLoop = group.next()
    let sealerPools = EventLoopPools(configuration: feedConfiguration, loop: sealerLoop, backgroundLogger: poolLogger)
    app.addServices(sealerPools.clients[0])
    app.addServices(
        AuditSealer(
            database: Database(pools: sealerPools, logger: logger), executor: sealerPools.executor(for: sealerLoop),
            pace: configuration.auditSealing, logger: logger))
    app.beforeServerStarts {
        // A check, not a migration: serving with the wrong role or schema must not start at all.
        try await database.verifyReadyToServe(migrations: migrations)
    }
    return app
}

/// `GET /metrics` (Prometheus' text format) on a listener of its own, never the API's: the
/// counts are every tenant's, for the operator. Loopback by default (`MetricsListener`).
func metricsServer(
    _ registry: PrometheusCollectorRegistry, listener: MetricsListener, group: any EventLoopGroup, logger: Logger
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: "soapstone-metrics"),
        onServerRunning: { channel in listener.listening(channel.localAddress?.port ?? listener.port) },
        eventLoopGroupProvider: .shared(group), logger: logger)
}

/// A configuration the server cannot run with, found as it is built.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
