import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

/// For every tenant table and every api_ view, as the server's role and as the tables' owner
/// (FORCE binds it too), with tenant A's context: A sees only A's rows, and nothing it does
/// creates, changes or removes a row of B's. Without a tenant context, nothing at all.
///
/// Each case runs as the superuser in a transaction that switches to the role under test
/// (SET LOCAL ROLE) for the one statement, then back, to check as the superuser, inside the
/// same transaction, that B's rows are exactly as before. The transaction is rolled back.
@Suite("Isolation matrix")
struct IsolationMatrixTests {
    enum Actor: String, CaseIterable, Sendable {
        case server = "soapstone_server"
        case owner = "soapstone_owner"
    }

    enum Context: Sendable {
        case tenant(UUID)
        case unset
        case empty
    }

    typealias Outcome = StatementOutcome

    static let logger = Logger(label: "isolation")

    @Test(
        "SELECT with tenant A's context shows all of A's rows and none of B's", arguments: try await CatalogFixture.relations(),
        Actor.allCases)
    func selectShowsOnlyOwnTenant(relation: Relation, actor: Actor) async throws {
        let (a, _) = try await CatalogFixture.tenants()
        let expected = try await count(relation, tenant: a)
        #expect(expected > 0, "the seed should give tenant A rows in \(relation.name)")
        let seen = try await run(
            "SELECT count(*)::int8, count(*) FILTER (WHERE tenant_id IS DISTINCT FROM '\(a)')::int8 FROM \(relation.name)",
            on: relation, as: actor, context: .tenant(a), returnsCounts: true)
        if actor == .server && relation.isHiddenFromServer {
            #expect(seen.outcome == .refused(sqlState: "42501"), "the server read \(relation.name): \(seen.outcome)")
        } else {
            #expect(seen.counts == [expected, 0])
        }
    }

    @Test("INSERT of a row with tenant B's tenant_id fails", arguments: try await CatalogFixture.relations(), Actor.allCases)
    func insertIntoOtherTenantFails(relation: Relation, actor: Actor) async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let row = try await sampleRow(relation, tenant: b)
        let result = try await run(
            try await insertStatement(relation, row: row),
            on: relation, as: actor, context: .tenant(a))
        #expect(result.outcome.wasRefused, "inserting B's row as A gave \(result.outcome)")
        if !relation.isView { #expect(result.outcome == .refused(sqlState: "42501")) }
    }

    @Test("UPDATE of tenant B's rows affects none of them", arguments: try await CatalogFixture.relations(), Actor.allCases)
    func updateOfOtherTenantAffectsNothing(relation: Relation, actor: Actor) async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let result = try await run(
            "UPDATE \(relation.name) SET tenant_id = tenant_id WHERE tenant_id = '\(b)'", on: relation, as: actor,
            context: .tenant(a))
        #expect(result.outcome == .rows(0) || result.outcome.wasRefused, "updating B's rows as A gave \(result.outcome)")
    }

    @Test("DELETE of tenant B's rows affects none of them", arguments: try await CatalogFixture.relations(), Actor.allCases)
    func deleteOfOtherTenantAffectsNothing(relation: Relation, actor: Actor) async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let result = try await run(
            "DELETE FROM \(relation.name) WHERE tenant_id = '\(b)'", on: relation, as: actor, context: .tenant(a))
        #expect(result.outcome == .rows(0) || result.outcome.wasRefused, "deleting B's rows as A gave \(result.outcome)")
    }

    @Test("UPDATE that moves a row of A's to tenant B fails", arguments: try await CatalogFixture.relations(), Actor.allCases)
    func moveToOtherTenantFails(relation: Relation, actor: Actor) async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let result = try await run(
            "UPDATE \(relation.name) SET tenant_id = '\(b)' WHERE tenant_id = '\(a)'", on: relation, as: actor,
            context: .tenant(a))
        #expect(result.outcome.wasRefused, "moving A's rows to B gave \(result.outcome)")
    }

    @Test(
        "Without a tenant context (unset or empty) nothing is visible", arguments: try await CatalogFixture.relations(),
        Actor.allCases)
    func noContextSeesNothing(relation: Relation, actor: Actor) async throws {
        for context in [Context.unset, .empty] {
            let seen = try await run(
                "SELECT count(*)::int8 FROM \(relation.name)", on: relation, as: actor, context: context, returnsCounts: true)
            if actor == .server && relation.isHiddenFromServer {
                #expect(seen.outcome == .refused(sqlState: "42501"), "the server read \(relation.name): \(seen.outcome)")
            } else {
                #expect(seen.counts == [0], "\(context) showed rows of \(relation.name)")
            }
        }
    }

    @Test(
        "Without a tenant context (unset or empty) nothing can be written", arguments: try await CatalogFixture.relations(),
        Actor.allCases)
    func noContextWritesNothing(relation: Relation, actor: Actor) async throws {
        let (a, _) = try await CatalogFixture.tenants()
        let row = try await sampleRow(relation, tenant: a)
        for context in [Context.unset, .empty] {
            let insert = try await run(
                try await insertStatement(relation, row: row),
                on: relation, as: actor, context: context)
            #expect(insert.outcome.wasRefused, "inserting with \(context) context gave \(insert.outcome)")
            let update = try await run(
                "UPDATE \(relation.name) SET tenant_id = tenant_id", on: relation, as: actor, context: context)
            #expect(
                update.outcome == .rows(0) || update.outcome.wasRefused, "updating with \(context) context gave \(update.outcome)"
            )
            let delete = try await run("DELETE FROM \(relation.name)", on: relation, as: actor, context: context)
            #expect(
                delete.outcome == .rows(0) || delete.outcome.wasRefused, "deleting with \(context) context gave \(delete.outcome)"
            )
        }
    }

    // MARK: - Machinery

    struct Result {
        var outcome: Outcome
        var counts: [Int] = []
    }

    /// Runs `sql` as `actor` with `context`, then checks, as the superuser in the same
    /// transaction, that every row outside tenant A is unchanged. Always rolls back.
    func run(_ sql: String, on relation: Relation, as actor: Actor, context: Context, returnsCounts: Bool = false) async throws
        -> Result
    {
        let (a, _) = try await CatalogFixture.tenants()
        let db = try await CatalogFixture.database.value
        if !returnsCounts && db.server.isCitus {
            return try await runCommitted(sql, on: relation, as: actor, context: context, outsideOf: a)
        }
        return try await db.withConnection(as: TestDatabase.superuser) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            defer { _ = connection.query("ROLLBACK", logger: Self.logger) }
            let before = try await fingerprint(relation, excluding: a, on: connection)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(actor.rawValue)"), logger: Self.logger)
            try await set(context, on: connection, citus: db.server.isCitus)
            try await connection.query("SAVEPOINT statement", logger: Self.logger)
            var result: Result
            do {
                if returnsCounts {
                    let row = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect().first
                    let counts = try (0..<(row?.count ?? 0)).map { try row!.makeRandomAccess()[$0].decode(Int.self) }
                    result = Result(outcome: .rows(1), counts: counts)
                } else {
                    let written =
                        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).get().metadata.rows ?? 0
                    result = Result(outcome: .rows(written))
                }
            } catch let error as PSQLError {
                try await connection.query("ROLLBACK TO SAVEPOINT statement", logger: Self.logger)
                result = Result(outcome: .refused(sqlState: error.sqlState ?? "?????"))
            }
            try await connection.query("RESET ROLE", logger: Self.logger)
            let after = try await fingerprint(relation, excluding: a, on: connection)
            #expect(before == after, "rows outside tenant A in \(relation.name) changed")
            return result
        }
    }

    /// On Citus, a write and its check cannot share a transaction: once one role has written to
    /// a shard, Citus refuses every other role that shard until the transaction ends ("cannot
    /// perform query on placements that were modified in this transaction by a different
    /// user"). So the write runs in a copy of the fixture of its own, and is committed when it
    /// succeeds; the superuser then compares every row outside tenant A with before.
    func runCommitted(_ sql: String, on relation: Relation, as actor: Actor, context: Context, outsideOf a: UUID)
        async throws -> Result
    {
        let copy = try await TestCluster.shared.makeDatabase(.seeded)
        let before = try await copy.withConnection { try await fingerprint(relation, excluding: a, on: $0) }
        let result = try await copy.withConnection(as: TestDatabase.superuser) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(actor.rawValue)"), logger: Self.logger)
            try await set(context, on: connection, citus: true)
            do {
                let written = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).get().metadata.rows ?? 0
                try await connection.query("COMMIT", logger: Self.logger)
                return Result(outcome: .rows(written))
            } catch let error as PSQLError {
                try await connection.query("ROLLBACK", logger: Self.logger)
                return Result(outcome: .refused(sqlState: error.sqlState ?? "?????"))
            }
        }
        let after = try await copy.withConnection { try await fingerprint(relation, excluding: a, on: $0) }
        #expect(before == after, "rows outside tenant A in \(relation.name) changed")
        // Beside the next cases: a DROP DATABASE waits for a checkpoint.
        Task.detached { try? await copy.dropIfExternal() }
        return result
    }

    /// Sets the tenant context for the rest of the transaction as the server does
    /// (`soapstone_set_tenant`), in the form Citus carries to the workers; the empty one alike.
    func set(_ context: Context, on connection: PostgresConnection, citus: Bool) async throws {
        switch context {
        case .tenant(let id):
            try await connection.query("SELECT soapstone_set_tenant(\(id), NULL)", logger: Self.logger)
        case .empty:
            if citus { try await connection.query("SET LOCAL citus.propagate_set_commands = 'local'", logger: Self.logger) }
            try await connection.query("SET LOCAL app.tenant_id = ''", logger: Self.logger)
        case .unset:
            break  // a fresh connection that never set it
        }
    }

    /// A digest of every row of `relation` outside tenant `a` (as the superuser sees them).
    func fingerprint(_ relation: Relation, excluding a: UUID, on connection: PostgresConnection) async throws -> String {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) || ':' || count(*)
                      FROM \(relation.name) r WHERE tenant_id IS DISTINCT FROM '\(a)'
                    """), logger: Self.logger
        ).collect().first!.decode(String.self)
    }

    /// The rows of `tenant` that its context shows with no acting user: all but a restricted
    /// patient's, which only the care team and emergency grants open (`RestrictionMatrixTests`).
    func count(_ relation: Relation, tenant: UUID) async throws -> Int {
        let db = try await CatalogFixture.database.value
        let open = try await CatalogFixture.restrictedRelations().contains(relation) ? " AND NOT restricted" : ""
        return Int(
            try await db.strings("SELECT count(*)::text FROM \(relation.name) WHERE tenant_id = '\(tenant)'\(open)").first!!)!
    }

    /// INSERT of `row` (JSON) into every column of `relation` that takes a value (generated
    /// columns are computed by the database and refuse one), as one row of constants: the form
    /// Citus routes to the shard, where the policies decide (an INSERT … SELECT it would refuse
    /// itself, by copying under RLS, before any policy is asked).
    func insertStatement(_ relation: Relation, row: String) async throws -> String {
        let db = try await CatalogFixture.database.value
        let columns = try await db.strings(
            """
            SELECT quote_ident(attname) || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = '\(relation.name)'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
             ORDER BY attnum
            """
        ).compactMap { $0?.split(separator: " ", maxSplits: 1).map(String.init) }
        let literals = columns.map { "quote_nullable(r.\($0[0])::text) || '::\($0[1])'" }.joined(separator: " || ', ' || ")
        let values = try await db.value(
            "SELECT \(literals) FROM json_populate_record(NULL::\(relation.name), '\(row)'::json) r")
        return "INSERT INTO \(relation.name) (\(columns.map { $0[0] }.joined(separator: ", "))) VALUES (\(values))"
    }

    /// One row of `tenant`'s, as JSON, to offer back as an INSERT.
    func sampleRow(_ relation: Relation, tenant: UUID) async throws -> String {
        let db = try await CatalogFixture.database.value
        let row = try await db.strings(
            "SELECT row_to_json(r)::text FROM \(relation.name) r WHERE tenant_id = '\(tenant)' ORDER BY r::text LIMIT 1")
        let json = try #require(row.first ?? nil, "no row of \(tenant) in \(relation.name)")
        return json.replacingOccurrences(of: "'", with: "''")
    }
}
