import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

/// note_versions is write-once and audit_events append-only: UPDATE, DELETE and TRUNCATE fail
/// for the server's role (no grant), for the owner and even for a superuser (the triggers),
/// with the tenant's own rows in sight.
@Suite("WORM tables")
struct ImmutableTableTests {
    enum Statement: String, CaseIterable, Sendable {
        case update, delete, truncate
        func sql(_ table: String) -> String {
            switch self {
            case .update: "UPDATE \(table) SET tenant_id = tenant_id"
            case .delete: "DELETE FROM \(table)"
            case .truncate: "TRUNCATE \(table) CASCADE"  // CASCADE: past the foreign keys, to the trigger
            }
        }
    }

    static let roles = [TestDatabase.server, TestDatabase.owner, TestDatabase.superuser]

    @Test(
        "UPDATE, DELETE and TRUNCATE of an immutable table fail for every role",
        arguments: ["note_versions", "audit_events"], Statement.allCases)
    func changeIsRejected(table: String, statement: Statement) async throws {
        // A database of its own: TRUNCATE's exclusive locks would deadlock the shared one's readers.
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let (a, _) = try await CatalogFixture.tenants()
        let logger = Logger(label: "worm")
        for role in Self.roles {
            let outcome: String? = try await db.withConnection(as: role) { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SELECT set_config('app.tenant_id', \(a.uuidString), true)", logger: logger)
                let visible = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(table)"), logger: logger
                )
                .collect().first!.decode(Int.self)
                #expect(visible > 0, "\(role) must see rows for the check to mean anything")
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statement.sql(table)), logger: logger)
                    try await connection.query("ROLLBACK", logger: logger)
                    return nil
                } catch let error as PSQLError {
                    try await connection.query("ROLLBACK", logger: logger)
                    return error.sqlState
                }
            }
            // The server lacks the privilege; owner and superuser hit the trigger.
            let expected = role == TestDatabase.server ? "42501" : "SS001"
            #expect(outcome == expected, "\(statement) on \(table) as \(role) gave \(outcome ?? "success")")
        }
    }
}
