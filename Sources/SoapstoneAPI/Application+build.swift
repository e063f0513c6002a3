import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
// The one file of SoapstoneAPI that names PostgresNIO: the client is configured and run with the
// application's services; every query goes through SoapstoneDatabase.
import PostgresNIO
import Prometheus
import SoapstoneCore
import SoapstoneDatabase

/// What the server needs to run; the executable and the tests both make one.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: PostgresClient.Configuration
    public var logLevel: Logger.Level
    /// How long /health waits for the database before answering 503.
    public var healthTimeout: Duration
    public var auth: AuthConfiguration
    /// Requests with a larger body answer 413.
    public var maximumBodySize: Int
    /// A connection that sends nothing for this long while idle, or while a request's headers
    /// or body are still coming, is closed (half-sent headers, an idle keep-alive, a stalled
    /// upload); a request being answered is never cut.
    public var idleTimeout: Duration = .seconds(30)
    /// However slowly it trickles in, a body is read within this time or answered 408.
    public var bodyReadTimeout: Duration = .seconds(60)
    /// Open connections at most; more wait in the listen backlog until one closes.
    public var maximumConnections = 1024
    /// Proxies whose `Forwarded` or `X-Forwarded-For` names the client (for the login throttle
    /// and the audit log's `ip`); nobody's by default.
    public var trustedProxies = TrustedProxies.none
    /// The time, as the server sees it: injectable so tests need no sleeps.
    public var clock: @Sendable () -> Date
    /// Called whenever the server has caught up with ended sessions and listens for more
    /// (at start and after a lost connection): tests wait on it.
    public var revokedSessionsListening: @Sendable () -> Void = {}

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: PostgresClient.Configuration, auth: AuthConfiguration,
        logLevel: Logger.Level = .info, healthTimeout: Duration = .seconds(2), maximumBodySize: Int = 1 << 20,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.auth = auth
        self.logLevel = logLevel
        self.healthTimeout = healthTimeout
        self.maximumBodySize = maximumBodySize
        self.clock = clock
    }
}

public struct AuthConfiguration: Sendable {
    public var keys: SigningKeys
    public var issuer = "soapstone"
    public var audience = "soapstone-api"
    public var accessTokenLifetime: TimeInterval = 15 * 60
    /// A session (a login and its refreshes) ends this long after the login, however often it
    /// is refreshed.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// A session not refreshed for this long ends (the web page refreshes every 14 minutes
    /// while open).
    public var sessionIdleLimit: TimeInterval = 30 * 60
    /// bcrypt's cost; 12 in production, lower only in tests.
    public var bcryptCost: UInt8 = 12
    /// How many password hashes run at once and how many may wait (one per core, four times
    /// that); one more answers 503 at once.
    public var passwordHashing = HashingGate()
    public var requestsPerMinutePerAddress = 120
    public var failuresBeforeLockout = 5
    public var lockout: TimeInterval = 15 * 60
    /// In production (the default) the published development password opens nothing and is
    /// refused as a new password; only `soapstone dev` and the tests say otherwise.
    public var isProduction = true
    /// The web page logs out after this long without the user touching it.
    public var webIdleTimeout: TimeInterval = 15 * 60
    /// The note editor keeps a version when typing pauses this long, and at least this often
    /// while it goes on (README, "Versions").
    public var webAutosavePause: TimeInterval = 10
    public var webAutosaveAtMost: TimeInterval = 3 * 60

    public init(keys: SigningKeys) {
        self.keys = keys
    }
}

/// The serving pool is fixed-size and sends no keep-alive queries. PostgresNIO starts an idle
/// timer for a connection above the minimum, and a keep-alive timer for every connection, each
/// time one is released: a pool event, three tasks and a Dispatch timer per timer, a seventh of
/// the server's CPU per request in bench/. A fixed pool needs no idle timer; a connection that
/// dies while idle fails its next query, which answers 503, and the pool opens another.
func servingPool(_ configuration: PostgresClient.Configuration) -> PostgresClient.Configuration {
    var configuration = configuration
    configuration.options.minimumConnections = configuration.options.maximumConnections
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
    let health = HealthController(database: database, timeout: configuration.healthTimeout)
    let handler = APIHandler(
        auth: AuthService(
            database: database, tokens: tokens, hasher: hasher, passwordPolicy: policy, loginGuard: loginGuard,
            sessions: SessionLimits(lifetime: auth.sessionLifetime, idleLimit: auth.sessionIdleLimit), logger: logger),
        users: UserAdministration(database: database, hasher: hasher, passwordPolicy: policy),
        patients: PatientRecords(database: database),
        encounters: EncounterRecords(database: database, clock: configuration.clock),
        notes: NoteRecords(database: database),
        auditLog: AuditRecords(database: database),
        health: health)

    let router = Router(context: AppRequestContext.self)
    // Outermost: the request moves onto its channel's event loop, beside that loop's pool;
    // then the headers every answer carries, request ids, the body limit, and the one mapping
    // of errors to problem+json; a documented path asked with another method is a 405.
    router.add(middleware: EventLoopAffinityMiddleware(pools: pools))
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
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }
    // Compact JSON with sorted keys: the same record is the same bytes in every answer (a note
    // version never changes, nor does its text), which unsorted keys, in the order of a hashed
    // dictionary, were not. Sorting cost 0.4 µs on a patient's 4.4 µs of encoding; pretty
    // printing, the generator's other default, cost a fifth of the server's CPU on a page of
    // patients (bench/clinical.sh) and stays off.
    try handler.registerHandlers(
        on: router, configuration: Configuration(dateTranscoder: WholeSecondDates(), jsonEncodingOptions: [.sortedKeys]),
        middlewares: [
            EmptyBodyMiddleware(), OperationMetrics(registry: metrics), AuthenticationMiddleware(tokens: tokens, database: database, logger: logger),
            try DecodingMiddleware(document: OpenAPIDocument.data),
        ])

    var app = Application(
        router: router,
        server: .http1(
            configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout / .nanoseconds(1))))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "soapstone",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections, logger: logger)),
        eventLoopGroupProvider: .shared(group),
        logger: logger
    )
    for pool in pools.clients { app.addServices(pool) }
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
    app.beforeServerStarts {
        // A check, not a migration: serving with the wrong role or schema must not start at all.
        try await database.verifyReadyToServe(migrations: migrations)
    }
    return app
}

/// The OpenAPI document the server was generated from, served as it is.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url)
        else {
            preconditionFailure("openapi.json is missing from the SoapstoneAPI bundle")
        }
        return data
    }()
}

/// The common-password list shipped with the code (see the file's header for its source).
enum CommonPasswords {
    static func load() throws -> Set<String> {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt") else {
            throw SigningKeyError("common-passwords.txt is missing from the SoapstoneAPI bundle")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.lowercased() })
    }
}
