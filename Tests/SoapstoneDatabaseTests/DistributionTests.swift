import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// `soapstone scale distribute`'s plan, read from the migrated catalog, and its refusal where
/// there is no Citus (Citus itself cannot run in CI here; docs/scaling.md).
@Suite("Distribution on Citus")
struct DistributionTests {
    let logger = Logger(label: "distribution")

    @Test("Every table is placed once: whole ones first, then each after the tables it points at, all colocated with the first")
    func planOrder() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let steps = try await db.withConnection(as: TestDatabase.owner) { try await Distribution.plan(on: $0, logger: logger) }
        let tables = Set(
            try await db.strings(
                "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
            ).compactMap { $0 })
        #expect(steps.map(\.table).count == tables.count)
        #expect(Set(steps.map(\.table)) == tables)
        let whole = Distribution.referenceTables.union(Distribution.globalTables)
        let firstDistributed = try #require(steps.firstIndex { $0.kind != .reference })
        #expect(steps[..<firstDistributed].allSatisfy { whole.contains($0.table) && $0.kind == .reference })
        #expect(Set(steps[..<firstDistributed].map(\.table)) == whole)
        let anchor = steps[firstDistributed].table
        #expect(steps[firstDistributed].kind == .distributed(colocatedWith: nil))
        #expect(steps[(firstDistributed + 1)...].allSatisfy { $0.kind == .distributed(colocatedWith: anchor) })
        let position = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1.table, $0) })
        let keys = try await db.strings(
            """
            SELECT conrelid::regclass::text || ' ' || confrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND conrelid <> confrelid
            """
        ).compactMap { $0 }
        #expect(keys.count > 10)
        for key in keys {
            let parts = key.split(separator: " ").map(String.init)
            #expect(position[parts[1]]! < position[parts[0]]!, "\(parts[0]) is placed before \(parts[1]), which it points at")
        }
        #expect(steps[firstDistributed].sql == "SELECT create_distributed_table('public.\(anchor)', 'tenant_id', colocate_with => 'none')")
        #expect(steps[0].sql == "SELECT create_reference_table('public.\(steps[0].table)')")
    }

    @Test("Without Citus, distribute refuses in its own words and changes nothing")
    func refusesWithoutCitus() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        // On a Citus coordinator (SOAPSTONE_TEST_DATABASE_URL) every database has the extension.
        guard !db.server.isCitus else { return }
        let catalog = """
            SELECT md5(string_agg(c.relname || c.relkind || c.triggers, ',' ORDER BY c.relname)) FROM (
                SELECT relname::text, relkind::text, (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = r.oid)::text AS triggers
                  FROM pg_class r WHERE relnamespace = 'public'::regnamespace) c
            """
        let before = try await db.value(catalog)
        let error = await #expect(throws: DistributionError.self) {
            try await db.withConnection(as: TestDatabase.owner) {
                try await Distribution.distribute(on: $0, migrations: try Migration.bundled(), shards: 4, logger: logger)
            }
        }
        #expect(error == .noCitus)
        #expect(error?.description.contains("no citus extension") == true)
        #expect(error?.description.contains("nothing was changed") == true)
        #expect(try await db.value(catalog) == before)
    }

    @Test("A table with neither tenant_id nor a place among the whole ones is refused before anything is done")
    func unplacedTableRefused() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        _ = try await db.strings("CREATE TABLE public.stray (id int PRIMARY KEY)")
        let error = await #expect(throws: DistributionError.self) {
            try await db.withConnection(as: TestDatabase.owner) { try await Distribution.plan(on: $0, logger: logger) }
        }
        #expect(error == .unplaced(table: "stray"))
    }

    @Test(
        "On Citus, a role the servers log in as that a worker lacks is named, and the run fails",
        .enabled(if: TestServer.externalURL != nil, "needs a Citus coordinator in SOAPSTONE_TEST_DATABASE_URL"))
    func serverRoleMissingOnWorker() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        guard db.server.isCitus else { return }
        // As an operator makes one on the coordinator alone, or as a node added later lacks one:
        // Citus copies a role it did not create only when its objects depend on it.
        let role = "soapstone_server_t\(getpid())"
        try await db.withConnection(as: TestDatabase.superuser) { connection in
            _ = try await connection.query("SET citus.enable_create_role_propagation = off", logger: logger).collect()
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN IN ROLE soapstone_app"), logger: logger
            ).collect()
        }
        let error = await #expect(throws: DistributionError.self) {
            try await db.withConnection(as: TestDatabase.owner) {
                try await Distribution.distribute(on: $0, migrations: try Migration.bundled(), shards: 4, logger: logger)
            }
        }
        try await db.withConnection(as: TestDatabase.superuser) { connection in
            _ = try await connection.query("SET citus.enable_create_role_propagation = off", logger: logger).collect()
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP ROLE \(role)"), logger: logger).collect()
        }
        guard case .serverRolesMissing(let byWorker) = error else {
            Issue.record("expected the missing role to be named, got \(String(describing: error))")
            return
        }
        #expect(!byWorker.isEmpty)
        #expect(byWorker.values.allSatisfy { $0 == [role] })
        #expect(error?.description.contains("CREATE ROLE <name> LOGIN PASSWORD") == true)
    }
}
