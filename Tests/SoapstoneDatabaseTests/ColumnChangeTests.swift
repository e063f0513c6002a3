import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

/// The tables the server updates in part (migration 23): a grant on the whole table, which
/// Citus gives every shard, and a trigger that keeps each UPDATE to the columns that may change,
/// for every role.
@Suite("Columns that may change")
struct ColumnChangeTests {
    struct Case: Sendable, CustomStringConvertible {
        let table: String
        /// An assignment the trigger lets through, and one it refuses.
        let allowed: String
        let refused: String
        /// A row to change where the seed keeps none, written in the same transaction.
        var prepare: String?
        var description: String { table }
    }

    static let cases = [
        // Constants, not arithmetic on the column: Citus refuses a STABLE expression over a
        // column in an UPDATE (timestamptz ± interval) before the trigger could.
        Case(table: "sessions", allowed: "ended_at = now()", refused: "started_at = '2000-01-01 00:00:00+00'"),
        Case(table: "refresh_tokens", allowed: "used_at = now()", refused: "expires_at = '2000-01-01 00:00:00+00'"),
        Case(
            table: "idempotency_keys", allowed: "response_status = 200", refused: "key = key || 'x'",
            // VALUES, not INSERT … SELECT: Citus copies the rows of one it cannot route, and
            // PostgreSQL refuses COPY under RLS.
            prepare: """
                INSERT INTO idempotency_keys (tenant_id, user_id, key, request_sha256, response_status, response_body)
                VALUES ('@tenant@', '@user@', 'column-change-test', repeat('0', 64), 201, '{}')
                """),
    ]

    @Test("An UPDATE may change only the columns its table names, whoever runs it", arguments: cases)
    func onlyNamedColumns(change: Case) async throws {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let user = try await db.value("SELECT id::text FROM users WHERE tenant_id = '\(a)' ORDER BY id LIMIT 1")
        let prepare = change.prepare.map {
            $0.replacingOccurrences(of: "@tenant@", with: a.uuidString).replacingOccurrences(of: "@user@", with: user)
        }
        let logger = Logger(label: "column-change")
        for role in [TestDatabase.server, TestDatabase.owner, TestDatabase.superuser] {
            let (allowed, refused): (String?, String?) = try await db.withConnection(as: role) { connection in
                func run(_ sql: String) async throws -> String? {
                    do {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                        return nil
                    } catch let error as PSQLError {
                        return error.sqlState
                    }
                }
                func begin() async throws {
                    _ = try await connection.query("BEGIN", logger: logger).collect()
                    _ = try await connection.query("SELECT soapstone_set_tenant(\(a), NULL)", logger: logger).collect()
                    if let prepare { #expect(try await run(prepare) == nil, "\(change.table): the row to change") }
                }
                try await begin()
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(change.table) WHERE tenant_id = '\(a)'"), logger: logger
                ).collect().first!.decode(Int.self)
                #expect(rows > 0, "\(role) must see rows of \(change.table) for the check to mean anything")
                let allowed = try await run("UPDATE \(change.table) SET \(change.allowed) WHERE tenant_id = '\(a)'")
                _ = try await connection.query("ROLLBACK", logger: logger).collect()
                try await begin()
                let refused = try await run("UPDATE \(change.table) SET \(change.refused) WHERE tenant_id = '\(a)'")
                _ = try await connection.query("ROLLBACK", logger: logger).collect()
                return (allowed, refused)
            }
            #expect(allowed == nil, "\(change.allowed) on \(change.table) as \(role) gave \(allowed ?? "")")
            #expect(refused == "42501", "\(change.refused) on \(change.table) as \(role) gave \(refused ?? "success")")
        }
    }
}
