import Foundation
import Logging
// The database client's configuration, as PostgresNIO takes it (see Application+build.swift).
import PostgresNIO
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
    /// Proxies whose `X-Forwarded-For` (or, if so configured, `Forwarded`) names the client, for
    /// the login throttle and the audit log's `ip`; nobody's by default.
    public var trustedProxies = TrustedProxies.none
    /// Where `GET /metrics` is served, apart from the API; nowhere when nil.
    public var metrics: MetricsListener?
    /// The time, as the server sees it: injectable so tests need no sleeps.
    public var clock: @Sendable () -> Date
    /// Called whenever the server has caught up with ended sessions and listens for more
    /// (at start and after a lost connection): tests wait on it.
    public var revokedSessionsListening: @Sendable () -> Void = {}
    /// How often the instance seals committed audit events into their tenants' chains, and how
    /// old an event must be first (every transaction that could commit an older one has ended);
    /// an event is sealed within about their sum (README, "Audit chain").
    public var auditSealing = AuditSealing()

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

/// The metrics' own listener: loopback unless the operator names another address.
public struct MetricsListener: Sendable {
    public var host: String
    public var port: Int
    /// Called with the port it listens on once it does (port 0: the one the system chose).
    public var listening: @Sendable (Int) -> Void

    public init(host: String = "127.0.0.1", port: Int, listening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.listening = listening
    }
}

/// The background sealer's pace (`AuditSealer`).
public struct AuditSealing: Sendable {
    public var interval: Duration = .seconds(1)
    public var settle: Duration = .seconds(2)
    /// At start and then this often it also looks back for events that committed after newer
    /// ones were sealed (by time, not rounds: a round may take long with many clinics).
    public var lateInterval: Duration = .seconds(30)

    public init() {}
}
