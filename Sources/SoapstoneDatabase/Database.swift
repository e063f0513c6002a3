import Foundation
import Logging
import PostgresNIO

/// The server's way into PostgreSQL. Tenant data is reached one of two ways, one per
/// operation (docs/design.md, "The request's way"): a request function of the database called
/// as one statement (`call`, with the statements in `Requests/`), or repository statements in a
/// transaction bound to the tenant (`withTenant`). Either way the tenant is set first, in the
/// same transaction as the work, and the audit event is written with it. The few calls that
/// run before a tenant is known are named methods, each saying why it is safe.
public struct Database: Sendable {
    let pools: EventLoopPools
    let logger: Logger
    let poolObserver: (any ConnectionPoolObserver)?

    public init(pools: EventLoopPools, logger: Logger, poolObserver: (any ConnectionPoolObserver)? = nil) {
        self.pools = pools
        self.logger = logger
        self.poolObserver = poolObserver
    }

    public init(client: PostgresClient, logger: Logger) {
        self.init(pools: EventLoopPools(client: client), logger: logger)
    }

    /// Every use of the pool goes through here, so the observer sees each wait and lease, and
    /// every refusal of PostgreSQL leaves as a `DomainError` or a `DatabaseError`. A lease the
    /// pool could not grant is the database being unavailable, whatever the pool called it: its
    /// circuit breaker (after 15 s of failed connects) fails waiting requests with an error of
    /// its own module, which no mapping above this one knows.
    func withPooledConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let asked = ContinuousClock.now
        do {
            return try await pools.current.withConnection(isolation: isolation) { connection in
                poolObserver?.acquired(after: .now - asked)
                defer { poolObserver?.released() }
                do {
                    // The pool may hand out a connection that closed a moment ago.
                    try connection.requireOpen()
                    return try await body(connection)
                } catch {
                    throw WithConnection(error: error)
                }
            }
        } catch let failure as WithConnection {
            throw DatabaseError.translate(failure.error)
        } catch {
            throw DatabaseError.unavailable("no connection from the pool: \(error)")
        }
    }

    /// What the body threw, told apart from what the pool threw before the body ran.
    private struct WithConnection: Error {
        let error: any Error
    }

    /// Runs `body` in one transaction whose first statement sets the tenant (and the acting
    /// user, for attribution) with `soapstone_set_tenant` (migration 16): transaction-local, so
    /// the pooled connection carries nothing into the next request, and in the form Citus
    /// propagates to its workers. RLS sees only this tenant's rows.
    public func withTenant<Result>(
        _ tenantID: UUID,
        userID: UUID?,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TenantTransaction) async throws -> sending Result
    ) async throws -> sending Result {
        try await withPooledConnection(isolation: isolation) { connection in
            try await connection.inTransaction(logger: logger) { connection in
                try connection.requireOpen()
                for try await _ in try await connection.execute(SetTenant(tenant: tenantID, user: userID), logger: logger) {}
                return try await body(
                    TenantTransaction(connection: connection, tenantID: tenantID, userID: userID, logger: logger))
            }
        }
    }

    /// Runs one request that is one statement (migration 18): a function that sets the tenant
    /// itself with `soapstone_set_tenant` before anything else, does the work and writes the
    /// audit event, in the statement's own transaction. No BEGIN and no COMMIT: one round trip
    /// where `withTenant` takes five, and the same rules (the tenant in the same transaction,
    /// fail-closed, the audit event with the work). `CitusRuleTests` holds every such function
    /// to setting the tenant first.
    public func call<Call: TenantCall>(
        _ call: Call,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> [Call.Row] {
        try await withPooledConnection(isolation: isolation) { connection in
            var rows: [Call.Row] = []
            for try await row in try await connection.execute(call, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// The newest applied migration, for /health. Safe without a tenant: schema_migrations
    /// holds no tenant data and the runtime role may only read it.
    public func schemaVersion() async throws -> Int {
        try await withPooledConnection { connection in
            try await connection.query("SELECT coalesce(max(version), 0)::int8 FROM schema_migrations", logger: logger)
                .collect().first?.decode(Int.self) ?? 0
        }
    }

    /// Refuses to serve with a role that RLS does not bind, or against a schema this build
    /// does not match. Reads only the catalog and schema_migrations.
    public func verifyReadyToServe(migrations: [Migration]) async throws {
        try await withPooledConnection { connection in
            try await RuntimeRoleCheck(logger: logger).verify(on: connection)
            try await SchemaCheck(migrations: migrations, logger: logger).verify(on: connection)
        }
    }
}

/// Told how long each lease of a pooled connection waited, and when it ends: PostgresNIO's
/// pool keeps its own figures to itself.
public protocol ConnectionPoolObserver: Sendable {
    func acquired(after wait: Duration)
    func released()
}

/// A transaction bound to one tenant. Repositories take it, never the client, so no query runs
/// outside a tenant context by accident. It must not escape the `withTenant` closure.
public struct TenantTransaction {
    let connection: PostgresConnection
    public let tenantID: UUID
    public let userID: UUID?
    let logger: Logger

    /// A statement whose rows the caller reads: its error, if any, comes with them.
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try connection.requireOpen()
        return try await connection.query(query, logger: logger)
    }

    /// A statement whose rows nobody needs, run to its end, so its error is thrown here.
    func run(_ statement: PostgresQuery) async throws {
        try await connection.run(statement, logger: logger)
    }

    func execute(_ statement: PostgresQuery) async throws -> Int {
        try connection.requireOpen()
        return try await connection.execute(statement, logger: logger)
    }

    /// A prepared statement: parsed once per connection, then only bound and executed.
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    {
        try connection.requireOpen()
        return try await connection.execute(statement, logger: logger)
    }
}

/// A prepared call of one of the request functions (migration 18 on), whose first two
/// arguments are the tenant and the acting user: the one kind of statement `Database.call` runs
/// outside `withTenant`. Each lives in `Requests/`, with the `Database` method that calls it.
public protocol TenantCall: PostgresPreparedStatement where Row: Sendable {}

/// The tenant statement of every transaction, prepared once per connection (PostgresNIO names
/// it after this type) and then only bound and executed.
struct SetTenant: PostgresPreparedStatement {
    static let sql = "SELECT soapstone_set_tenant($1, $2)"
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid] }
    /// The one row of a function that returns nothing.
    typealias Row = Void

    let tenant: UUID
    let user: UUID?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(tenant)
        bindings.append(user)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
