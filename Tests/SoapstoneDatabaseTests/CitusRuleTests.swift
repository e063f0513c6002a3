import Foundation
import Logging
import NIOCore
import PostgresNIO
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// What Citus needs of the schema, checked in the catalog, since Citus itself cannot run here
/// (it is not in Debian's archive): docs/design.md rules 2 and 8 as Citus found them.
@Suite("Citus rules")
struct CitusRuleTests {
    static let currentTenant = "soapstone_current_tenant"
    /// The restriction's condition (migration 34), inlined into the policies of clinical rows.
    static let seesPatient = "soapstone_sees_patient"
    /// The functions policies call: inlinable, so no SET clause (`CatalogRuleTests` exempts them).
    static let policyFunctions = [currentTenant, seesPatient]

    /// Citus runs an ALTER TABLE on a distributed table only when it changes one constraint.
    /// Migration 1 predates the rule and is not run on a distributed schema again.
    static let oneConstraintPerAlterSince = 19

    /// A statement's first line of SQL, upper-cased: a statement keeps the comments above it.
    static func firstLine(of statement: String) -> String {
        let lines = statement.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.first(where: { !$0.isEmpty && !$0.hasPrefix("--") })?.uppercased() ?? ""
    }

    @Test("From migration 19 on, each ALTER TABLE adds or drops one constraint, both ways")
    func oneConstraintPerAlter() throws {
        let constraint = try Regex(#"(?i)\b(ADD|DROP)\s+(CONSTRAINT|FOREIGN\s+KEY|PRIMARY\s+KEY|UNIQUE|CHECK|EXCLUDE)\b"#)
        let migrations = try Migration.bundled().filter { $0.version >= Self.oneConstraintPerAlterSince }
        #expect(!migrations.isEmpty)
        for migration in migrations {
            for script in [migration.up, migration.down] {
                for statement in SQLScript(script).statements where Self.firstLine(of: statement).hasPrefix("ALTER TABLE") {
                    #expect(statement.matches(of: constraint).count <= 1, "migration \(migration.version): \(statement)")
                }
            }
        }
    }

    /// Found on a real coordinator: migration 27 first added `status_reason` with its CHECK in
    /// the same clause, and Citus refused it ("all constraints in Citus must have explicit names").
    @Test("From migration 19 on, a column is added without a constraint of its own; its constraint comes in an ALTER of its own")
    func columnsAddedWithoutConstraints() throws {
        let addColumn = try Regex(#"(?is)\bADD\s+COLUMN\b(.*?)(,|$)"#)
        let constraint = try Regex(#"(?i)\b(CONSTRAINT|REFERENCES|PRIMARY\s+KEY|UNIQUE|CHECK)\b"#)
        for migration in try Migration.bundled() where migration.version >= Self.oneConstraintPerAlterSince {
            for script in [migration.up, migration.down] {
                for statement in SQLScript(script).statements where Self.firstLine(of: statement).hasPrefix("ALTER TABLE") {
                    let code = statement.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
                        .joined(separator: "\n")
                    for clause in code.matches(of: addColumn) {
                        #expect(
                            String(code[clause.range]).firstMatch(of: constraint) == nil,
                            "migration \(migration.version): \(statement)")
                    }
                }
            }
        }
    }

    /// Citus rebuilds the views over a table it converts, and cannot drop a view whose row type
    /// a function returns or takes: create_reference_table('tenants') was refused on a real
    /// coordinator while migration 18's functions returned api_patients and api_notes.
    @Test("No function returns or takes a view's row type: Citus must be able to rebuild every view")
    func noFunctionDependsOnAViewRowType() async throws {
        let dependents = try await CatalogFixture.query(
            """
            SELECT p.oid::regprocedure::text || ' uses ' || c.relname
              FROM pg_depend d
              JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
              JOIN pg_type t ON d.refclassid = 'pg_type'::regclass AND d.refobjid = t.oid
              JOIN pg_class c ON c.oid = t.typrelid
             WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace
            """)
        #expect(dependents.isEmpty, "\(dependents)")
        // The request functions still answer rows: their own.
        let own = try await CatalogFixture.query(
            "SELECT proname::text FROM pg_proc WHERE proname IN ('soapstone_read_patient', 'soapstone_advance_note') AND proretset")
        #expect(own.sorted() == ["soapstone_advance_note", "soapstone_read_patient"])
    }

    @Test("No policy holds a sub-query: Citus refuses them on distributed tables")
    func noSubqueryInPolicies() async throws {
        let policies = try await CatalogFixture.query(
            """
            SELECT tablename || '.' || policyname || ': ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
              FROM pg_policies WHERE schemaname = 'public'
            """)
        #expect(!policies.isEmpty)
        for policy in policies {
            #expect(!policy.uppercased().contains("SELECT"), "\(policy)")
        }
    }

    @Test("The policies' function is SQL, STABLE, without a SET clause, so the planner can inline it; it names pg_catalog's objects")
    func currentTenantInlinable() async throws {
        let function = try await CatalogFixture.query(
            """
            SELECT l.lanname::text || ' ' || p.provolatile::text || ' ' || coalesce(array_to_string(p.proconfig, ','), 'no-config') || ' '
                   || p.prosecdef::text || ' | ' || btrim(p.prosrc, E' \n')
              FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = '\(Self.currentTenant)'
            """)
        #expect(
            function == [
                "sql s no-config false | SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::pg_catalog.uuid"
            ])
    }

    @Test("The restriction's function is SQL, STABLE, without a SET clause, so the planner can inline it; it names pg_catalog's objects")
    func seesPatientInlinable() async throws {
        let function = try await CatalogFixture.query(
            """
            SELECT l.lanname::text || ' ' || p.provolatile::text || ' ' || coalesce(array_to_string(p.proconfig, ','), 'no-config') || ' '
                   || p.prosecdef::text || ' | ' || regexp_replace(btrim(p.prosrc, E' \n'), '\\s+', ' ', 'g')
              FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = '\(Self.seesPatient)'
            """)
        #expect(
            function == [
                "sql s no-config false | SELECT NOT restricted OR patient OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array( pg_catalog.current_setting('app.open_patients', true), ',')::pg_catalog.uuid[])"
            ])
    }

    @Test("Inlined, the restriction is a filter beside the tenant's index condition, with no sub-plan and no function call")
    func restrictionInlined() async throws {
        let plan = try await Self.planOfReadByID("encounters")
        #expect(plan.contains("\"Index Cond\": \"((tenant_id = (NULLIF("), "\(plan)")
        #expect(plan.contains("(NOT restricted) OR"), "\(plan)")
        #expect(
            !plan.contains("SubPlan") && !plan.contains("InitPlan") && !plan.contains(Self.seesPatient)
                && !plan.contains(Self.currentTenant), "\(plan)")
    }

    @Test("Inlined, the tenant condition is an index condition of the scan, with no sub-plan and no function call")
    func tenantConditionIsIndexCondition() async throws {
        let plan = try await Self.planOfReadByID("patients")
        #expect(plan.contains("(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"), "\(plan)")
        #expect(plan.contains("\"Index Cond\": \"(tenant_id = (NULLIF(") || plan.contains("\"Index Cond\": \"((tenant_id = (NULLIF("), "\(plan)")
        #expect(!plan.contains("SubPlan") && !plan.contains("InitPlan") && !plan.contains(Self.currentTenant), "\(plan)")
    }

    /// The plan, as JSON, of reading one row of `table` by id through its api_ view, with clinic
    /// A's context set as the server sets it.
    static func planOfReadByID(_ table: String) async throws -> String {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let id = try await db.value("SELECT id::text FROM \(table) WHERE tenant_id = '\(a)' LIMIT 1")
        return try await db.withDatabase { database in
            try await database.withTenant(a, userID: nil) { tx in
                let rows = try await tx.query(
                    PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) SELECT * FROM api_\(table) WHERE id = '\(id)'"))
                for try await buffer in rows.decode(ByteBuffer.self) { return String(buffer: buffer) }
                return ""
            }
        }
    }

    @Test("Functions that read tables are PL/pgSQL: Citus cannot plan a SQL-language one over distributed tables")
    func tableReadingFunctionsArePLpgSQL() async throws {
        // The SQL-language functions left read no table: the note hash, the search key, the
        // inlined tenant condition, and the audit chain's link hash and late window (its
        // encoding is PL/pgSQL since migration 31, and reads no table either).
        let sql = try await CatalogFixture.query(
            """
            SELECT p.proname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
              JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND l.lanname = 'sql' ORDER BY 1
            """)
        #expect(
            sql == [
                "audit_late_window", "audit_seal_hash", "note_content_sha256", "search_key",
                Self.currentTenant, Self.seesPatient,
            ])
        let lookup = try await CatalogFixture.query(
            "SELECT l.lanname::text FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = 'auth_login_lookup'")
        #expect(lookup == ["plpgsql"])
    }

    @Test("The tenant is set with SET LOCAL under citus.propagate_set_commands = 'local', for the transaction only")
    func tenantSetWithSetLocal() async throws {
        let body = try await CatalogFixture.query("SELECT prosrc FROM pg_proc WHERE proname = 'soapstone_set_tenant'").joined()
        #expect(body.contains("SET LOCAL citus.propagate_set_commands = 'local'"))
        #expect(
            body.contains("SET LOCAL app.tenant_id") && body.contains("SET LOCAL app.user_id")
                && body.contains("SET LOCAL app.open_patients") && body.contains("soapstone_open_charts"))
        let opener = try await CatalogFixture.query("SELECT prosrc FROM pg_proc WHERE proname = 'soapstone_open_charts'").joined()
        #expect(opener.contains("SET LOCAL app.open_patients") && !opener.contains("set_config"))
        #expect(!body.contains("set_config"), "set_config is not propagated to Citus workers")
        #expect(SetTenant.sql == "SELECT soapstone_set_tenant($1, $2)")

        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let logger = Logger(label: "citus-rules")
        try await db.withConnection(as: TestDatabase.server) { connection in
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SELECT soapstone_set_tenant(\(a), NULL)", logger: logger)
            let inside = try await connection.query(
                "SELECT current_setting('app.tenant_id', true), current_setting('citus.propagate_set_commands', true)",
                logger: logger
            ).collect().first?.decode((String, String).self)
            #expect(inside?.0 == a.uuidString.lowercased() && inside?.1 == "local")
            try await connection.query("COMMIT", logger: logger)
            let after = try await connection.query(
                "SELECT coalesce(current_setting('app.tenant_id', true), '')", logger: logger
            ).collect().first?.decode(String.self)
            #expect(after == "", "the tenant outlived its transaction")
            // No tenant is no context: refused, not "every tenant".
            await #expect(throws: PSQLError.self) {
                try await connection.query("SELECT soapstone_set_tenant(NULL, NULL)", logger: logger).collect()
            }
        }
    }

    @Test("A request function sets its tenant before anything else, and the tenant ends with its statement")
    func requestFunctionsSetTheTenantFirst() async throws {
        let functions = try await CatalogFixture.query(
            """
            SELECT p.proname || ' | ' || btrim(p.prosrc, E' \n') FROM pg_proc p
             WHERE \(Distribution.requestFunctionCondition) ORDER BY 1
            """)
        #expect(functions.count == 3, "\(functions)")
        for function in functions {
            let body = function.split(separator: "|", maxSplits: 1).last.map(String.init) ?? ""
            let firstStatement = body.components(separatedBy: "BEGIN").dropFirst().first?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            // With the acting user's charts opened, or not where the function reads no clinical row.
            #expect(
                ["PERFORM soapstone_set_tenant(tenant, actor);", "PERFORM soapstone_set_tenant(tenant, actor, false);"]
                    .contains { firstStatement?.hasPrefix($0) == true }, "\(function)")
            #expect(!body.contains("set_config"), "\(function)")
        }

        let db = try await CatalogFixture.database.value
        let (a, b) = try await CatalogFixture.tenants()
        let theirs = try await db.value("SELECT id::text FROM patients WHERE tenant_id = '\(b)' LIMIT 1")
        let logger = Logger(label: "citus-rules")
        let events = "SELECT count(*)::text FROM audit_events"
        let before = try await db.value(events)
        try await db.withConnection(as: TestDatabase.server) { connection in
            // Its own transaction: another tenant's patient is not found, and nothing is audited.
            let rows = try await connection.query(
                """
                SELECT id FROM soapstone_read_patient(\(a), NULL, \(theirs)::uuid, NULL, 'patient.read', 'patient', NULL, NULL,
                                                      NULL, NULL, NULL, 'success', '{}')
                """, logger: logger
            ).collect()
            #expect(rows.isEmpty)
            let after = try await connection.query(
                "SELECT coalesce(current_setting('app.tenant_id', true), '')", logger: logger
            ).collect().first?.decode(String.self)
            #expect(after == "", "the tenant outlived the statement")
        }
        #expect(try await db.value(events) == before)
    }
}

@Suite("Calendar dates")
struct CalendarDateTests {
    @Test("A date column reads back as written, on the proleptic Gregorian calendar PostgreSQL keeps")
    func roundTrip() async throws {
        let db = try await CatalogFixture.database.value
        let logger = Logger(label: "dates")
        for text in ["0999-01-01", "1582-10-10", "1900-02-28", "2024-02-29", "1975-06-01", "9999-12-31"] {
            let read = try await db.withConnection(as: TestDatabase.server) { connection in
                try await connection.query("SELECT \(text)::date", logger: logger).collect().first?.decode(Date.self)
            }
            #expect(read.map(CalendarDate.text) == text)
        }
    }
}
