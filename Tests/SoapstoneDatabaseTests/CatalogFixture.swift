import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

/// One seeded database shared by the read-only suites (every case runs in a transaction that
/// is rolled back), and what the catalog says is in it.
enum CatalogFixture {
    static let database = Task { try await TestCluster.shared.makeDatabase(.seeded) }

    /// The rows of `sql` on the fixture's database, as text (SQL NULL as "NULL").
    static func query(_ sql: String) async throws -> [String] {
        try await database.value.strings(sql).map { $0 ?? "NULL" }
    }

    /// docs/design.md rule 1's pre-authentication counters (migration 9): no tenant_id, RLS forced,
    /// reached only through soapstone_auth's functions. Their own catalog test names them.
    static let preAuthenticationCounters = ["login_lockouts", "login_throttle"]

    /// Every table and view of the public schema but schema_migrations and the
    /// pre-authentication counters, as the catalog lists them: a relation added later is covered
    /// without new test code.
    static func relations() async throws -> [Relation] {
        let db = try await database.value
        let rows = try await db.strings(
            """
            SELECT c.relname::text || ':' || c.relkind::text
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND c.relname <> 'schema_migrations'
               AND c.relname NOT IN ('login_lockouts', 'login_throttle')
               -- an extension's own (Citus puts views in public), not the schema's
               AND NOT EXISTS (SELECT FROM pg_depend d
                                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
             ORDER BY c.relkind, c.relname
            """)
        return rows.compactMap { $0 }.map { text in
            let parts = text.split(separator: ":")
            return Relation(name: String(parts[0]), isView: parts[1] == "v")
        }
    }

    static func tables() async throws -> [Relation] { try await relations().filter { !$0.isView } }

    /// The relations whose rows carry their patient's restriction (migration 34): those with
    /// both a `patient_id` and a `restricted` column, tables and views alike. The policies hide
    /// their rows of a restricted patient from everyone outside the care team.
    static func restrictedRelations() async throws -> [Relation] {
        let db = try await database.value
        let restricted = Set(
            try await db.strings(
                """
                SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
                   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'patient_id' AND NOT a.attisdropped)
                   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'restricted' AND NOT a.attisdropped)
                """
            ).compactMap { $0 })
        return try await relations().filter { restricted.contains($0.name) }
    }

    /// The two seeded clinics: A acts, B is the other tenant.
    static func tenants() async throws -> (a: UUID, b: UUID) {
        let ids = try await database.value.strings("SELECT id::text FROM tenants ORDER BY slug DESC")  // northside, lakeview
        return (UUID(uuidString: ids[0]!)!, UUID(uuidString: ids[1]!)!)
    }
}

struct Relation: Sendable, Hashable, CustomTestStringConvertible {
    let name: String
    let isView: Bool
    var testDescription: String { name }
    /// Rows are never changed after INSERT.
    var isImmutable: Bool { ["note_versions", "audit_events"].contains(name) }
    /// Password hashes: the server adds them and may read none (migration 24).
    var isHiddenFromServer: Bool { ["user_credentials", "api_user_credentials"].contains(name) }
}
