import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

@Suite("Pool hygiene")
struct PoolHygieneTests {
    @Test("After a tenant transaction, the same pooled connection carries no tenant into the next one")
    func tenantContextDoesNotLeak() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let (a, _) = try await CatalogFixture.tenants()
        let logger = Logger(label: "hygiene")
        var configuration = db.configuration()
        configuration.options.maximumConnections = 1  // every lease gets the same connection
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let database = Database(client: client, logger: logger)

            let (insidePID, seen) = try await database.withTenant(a, userID: nil) { tx in
                let pid = try await tx.query("SELECT pg_backend_pid()").collect().first!.decode(Int32.self)
                let count = try await tx.query("SELECT count(*)::int8 FROM patients").collect().first!.decode(Int.self)
                return (pid, count)
            }
            #expect(seen > 0)

            let (afterPID, setting, visible) = try await client.withConnection { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    let row = try await connection.query(
                        """
                        SELECT pg_backend_pid(), coalesce(current_setting('app.tenant_id', true), '<unset>'),
                               (SELECT count(*) FROM patients)::int8
                        """, logger: logger
                    ).collect().first!
                    return try row.decode((Int32, String, Int).self)
                }
            }
            #expect(afterPID == insidePID, "the check must run on the very same connection")
            #expect(setting == "")
            #expect(visible == 0)
        }
    }

    @Test("A failed tenant transaction rolls back and leaves no tenant behind either")
    func failedTransactionLeavesNothing() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let (a, _) = try await CatalogFixture.tenants()
        try await db.withDatabase { database in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await database.withTenant(a, userID: nil) { tx in
                    try await tx.query("UPDATE patients SET phone = 'changed' WHERE tenant_id = \(a)")
                    throw Boom()
                }
            }
            let changed = try await database.withTenant(a, userID: nil) { tx in
                try await tx.query("SELECT count(*)::int8 FROM patients WHERE phone = 'changed'").collect().first!.decode(
                    Int.self)
            }
            #expect(changed == 0)
        }
    }
}
