import Foundation
import Logging
import PostgresNIO
import SoapstoneCore
import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    let logger = Logger(label: "migrations")

    func migrator(_ migrations: [Migration]? = nil) throws -> Migrator {
        Migrator(migrations: try migrations ?? Migration.bundled(), logger: logger)
    }

    /// Everything in the public schema, so two states of it can be compared.
    func schemaObjects(_ db: TestDatabase) async throws -> [String] {
        try await db.strings(
            """
            SELECT kind || ' ' || name FROM (
                SELECT c.relkind::text AS kind, c.relname::text AS name FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
                UNION ALL SELECT 'function', p.proname::text FROM pg_proc p
                  JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
                UNION ALL SELECT 'policy', tablename || '.' || policyname FROM pg_policies WHERE schemaname = 'public'
                UNION ALL SELECT 'trigger', tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
                UNION ALL SELECT 'grant', table_name || ':' || privilege_type FROM information_schema.role_table_grants
                  WHERE grantee = 'soapstone_app'
            ) objects ORDER BY 1
            """
        ).compactMap { $0 }
    }

    @Test("up, down to zero (only schema_migrations left), up again: the same schema")
    func upDownUp() async throws {
        let db = try await TestCluster.shared.makeDatabase(.empty)
        let migrator = try migrator()
        let applied = try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        #expect(applied.map(\.version) == migrator.migrations.map(\.version))
        let first = try await schemaObjects(db)
        #expect(first.contains("r patients") && first.contains("v api_notes"))

        let reverted = try await db.withConnection(as: TestDatabase.owner) { try await migrator.down(on: $0, to: 0) }
        #expect(reverted.map(\.version) == migrator.migrations.map(\.version).reversed())
        let empty = try await schemaObjects(db)
        #expect(
            empty == [
                "i schema_migrations_pkey", "policy schema_migrations.migrator_writes", "policy schema_migrations.read_only",
                "r schema_migrations",
            ])
        #expect(try await db.strings("SELECT count(*)::text FROM schema_migrations") == ["0"])

        try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        #expect(try await schemaObjects(db) == first)
    }

    @Test("up twice applies nothing the second time")
    func upIsIdempotent() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let again = try await db.withConnection(as: TestDatabase.owner) { try await migrator().up(on: $0) }
        #expect(again.isEmpty)
    }

    @Test("down without --to reverts the newest migration only; up --to stops where told")
    func downOneAndUpTo() async throws {
        let base = try Migration.bundled()
        let extra = Migration(
            version: 9001, name: "extra", up: "CREATE TABLE extra_probe (tenant_id uuid NOT NULL)", down: "DROP TABLE extra_probe"
        )
        let migrator = try migrator(base + [extra])
        let db = try await TestCluster.shared.makeDatabase(.empty)
        let first = try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0, to: base.last!.version) }
        #expect(first.map(\.version) == base.map(\.version))
        try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        let reverted = try await db.withConnection(as: TestDatabase.owner) { try await migrator.down(on: $0) }
        #expect(reverted.map(\.version) == [9001])
        #expect(try await db.strings("SELECT to_regclass('public.extra_probe')::text") == [nil])
        #expect(try await db.strings("SELECT to_regclass('public.patients')::text") == ["patients"])
    }

    @Test("status lists applied and pending migrations")
    func statusOutput() async throws {
        let base = try Migration.bundled()
        let pending = Migration(version: 9002, name: "later", up: "SELECT 1", down: "SELECT 1")
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let rows = try await db.withConnection(as: TestDatabase.owner) { try await migrator(base + [pending]).status(on: $0) }
        #expect(rows.count == base.count + 1)
        #expect(rows.dropLast().allSatisfy { if case .applied = $0.state { true } else { false } })
        #expect(rows.last?.state == .pending)
        let text = MigrationStatusTable(rows).text
        #expect(text.contains("0001    initial_schema"))
        #expect(text.contains("9002    later"))
        #expect(text.contains("\(base.count) applied, 1 pending"))
    }

    @Test("A changed applied migration is refused by up, down, status and the server")
    func tamperedFileIsRefused() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        var tampered = try Migration.bundled()
        let original = tampered[0]
        tampered[0] = Migration(
            version: original.version, name: original.name, up: original.up + "\n-- edited", down: original.down)
        let tamperedList = tampered
        let migrator = try migrator(tampered)
        await #expect(throws: MigrationError.self) {
            try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        }
        await #expect(throws: MigrationError.self) {
            try await db.withConnection(as: TestDatabase.owner) { try await migrator.down(on: $0, to: 0) }
        }
        let rows = try await db.withConnection(as: TestDatabase.owner) { try await migrator.status(on: $0) }
        guard case .changed(_, let recorded) = rows[0].state else {
            Issue.record("status shows \(rows[0].state)")
            return
        }
        #expect(recorded == original.checksum)
        #expect(MigrationStatusTable(rows).text.contains("CHANGED"))
        let refusal = try await db.withDatabase { database in
            do {
                try await database.verifyReadyToServe(migrations: tamperedList)
                return nil as StartupRefusal?
            } catch let refusal as StartupRefusal { return refusal }
        }
        #expect(refusal == .schemaChanged(version: original.version))
        #expect(try await db.strings("SELECT to_regclass('public.patients')::text") == ["patients"], "nothing was reverted")
    }

    @Test("Two concurrent `migrate up` runs end with one correct schema")
    func concurrentMigrators() async throws {
        let db = try await TestCluster.shared.makeDatabase(.empty)
        let migrator = try migrator()
        async let first = db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        async let second = db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        let (a, b) = try await (first, second)
        #expect(a.count + b.count == migrator.migrations.count, "each migration applied exactly once")
        #expect(try await db.strings("SELECT count(*)::text FROM schema_migrations") == ["\(migrator.migrations.count)"])
        let reference = try await TestCluster.shared.makeDatabase(.migrated)
        #expect(try await schemaObjects(db) == (try await schemaObjects(reference)))
    }

    @Test("A migration that fails half-way leaves nothing of itself behind")
    func failedMigrationRollsBack() async throws {
        let broken = Migration(
            version: 9003, name: "broken",
            up: "CREATE TABLE half_done (tenant_id uuid NOT NULL);\nINSERT INTO no_such_table VALUES (1);",
            down: "DROP TABLE half_done")
        let migrator = try migrator(try Migration.bundled() + [broken])
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        await #expect(throws: MigrationFailure.self) {
            try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        }
        #expect(try await db.strings("SELECT to_regclass('public.half_done')::text") == [nil])
        #expect(try await db.strings("SELECT count(*)::text FROM schema_migrations WHERE version = 9003") == ["0"])
    }

    /// On Citus a migration that changes a distributed table and then a function failed
    /// ("parallel operation on a distributed table", migration 28 on a real coordinator): the
    /// migrator runs each migration's multi-shard commands over one connection per node.
    @Test("Each migration, up and down, runs with Citus's multi-shard commands sequential")
    func migrationsRunSequentialOnCitus() async throws {
        let probe = Migration(
            version: 9004, name: "probe",
            up: "CREATE TABLE probe_mode AS SELECT current_setting('citus.multi_shard_modify_mode', true) AS mode",
            down: "CREATE TABLE probe_mode_down AS SELECT current_setting('citus.multi_shard_modify_mode', true) AS mode")
        let migrator = try migrator(try Migration.bundled() + [probe])
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        #expect(try await db.strings("SELECT mode FROM probe_mode") == ["sequential"])
        try await db.withConnection(as: TestDatabase.owner) { try await migrator.down(on: $0) }
        #expect(try await db.strings("SELECT mode FROM probe_mode_down") == ["sequential"])
    }

    @Test(
        "Whoever migrates, the migrating role's default privileges stay PostgreSQL's own and the server writes and finds patients",
        arguments: TestCluster.MigratingRole.allCases)
    func servesWhoeverMigrated(_ role: TestCluster.MigratingRole) async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated, migratedBy: role)
        #expect(try await db.strings("SELECT count(*)::text FROM pg_default_acl") == ["0"])
        let found = try await db.withDatabase { database in
            let tenant = UUID()
            try await database.withTenant(tenant, userID: nil) { tx in
                _ = try await tx.tenants.create(name: "Probe Clinic", slug: "probe-\(role.rawValue)")
                _ = try await tx.patients.create(
                    PatientDetails(mrn: "P-1", givenName: "Zoë", familyName: "Brontë", birthDate: "2012-06-30", sex: .female))
            }
            let listed = AuditEntry(
                recordedBy: nil, role: nil, action: .patientList, entityType: "patient", entityID: nil, patientID: nil,
                origin: .none, outcome: .success)
            return try await database.searchPatients(
                PatientSearch(text: "bronte", active: nil, limit: 5, after: nil), tenantID: tenant, audit: listed, detail: [:]
            ).patients.map(\.mrn)
        }
        #expect(found == ["P-1"])
    }

    @Test("Every shipped migration has both files, and its checksum is the SHA-256 of its up file")
    func bundledMigrations() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.version == 1)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        for migration in migrations {
            #expect(migration.checksum.count == 64)
            #expect(!SQLScript(migration.down).statements.isEmpty)
        }
    }

    @Test("Migration 26 stops on MRNs that clash in case or spaces, naming each clash by ids, and applies once they are resolved")
    func mrnClashesStopTheMigration() async throws {
        let migrator = try migrator()
        let db = try await TestCluster.shared.makeDatabase(.empty)
        // Migrated and run by the owner, whom forced RLS binds: the check must still see every row.
        try await db.withConnection(as: TestDatabase.owner) { _ = try await migrator.up(on: $0, to: 25) }
        let (north, south) = (UUID(), UUID())
        let (a, b, c, d, e, f) = (UUID(), UUID(), UUID(), UUID(), UUID(), UUID())
        // As the superuser, in this database: rows as an older version could have stored them.
        let execute: @Sendable (String) async throws -> Void = { sql in
            try await db.withConnection(as: TestDatabase.superuser) { _ = try await $0.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "migration-26")) }
        }
        try await execute(
            """
            INSERT INTO tenants (id, tenant_id, name, slug) VALUES
                ('\(north)', '\(north)', 'North', 'north'), ('\(south)', '\(south)', 'South', 'south')
            """)
        try await execute(
            """
            INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex) VALUES
                ('\(a)', '\(north)', 'NS-3001', 'Ada', 'One', '1990-01-01', 'female'),
                ('\(b)', '\(north)', 'ns-3001', 'Bea', 'Two', '1991-01-01', 'female'),
                ('\(c)', '\(north)', ' Ns-3001 ', 'Cy', 'Three', '1992-01-01', 'male'),
                ('\(d)', '\(south)', 'NS-3001', 'Dee', 'Four', '1993-01-01', 'other'),
                ('\(e)', '\(south)', 'x-7', 'Eve', 'Five', '1994-01-01', 'unknown'),
                ('\(f)', '\(south)', 'X-7', 'Fay', 'Six', '1995-01-01', 'female')
            """)
        let failure = await #expect(throws: MigrationFailure.self) {
            try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        }
        let text = failure?.description ?? ""
        #expect(failure?.version == 26)
        for id in [north, a, b, c, south, e, f] { #expect(text.contains(id.uuidString.lowercased()), "\(text)") }
        #expect(!text.contains(d.uuidString.lowercased()), "NS-3001 of another organisation is no clash: \(text)")
        #expect(!text.contains("NS-3001") && !text.contains("Ada"), "no MRN or name in the message: \(text)")
        #expect(try await db.strings("SELECT max(version)::text FROM schema_migrations") == ["25"])
        #expect(try await db.strings("SELECT relforcerowsecurity::text FROM pg_class WHERE relname = 'patients'") == ["true"])

        // Resolved by the clinic, the migration applies and holds the rule from then on.
        try await execute("UPDATE patients SET mrn = 'NS-3002' WHERE id = '\(b)'")
        try await execute("UPDATE patients SET mrn = 'NS-3003' WHERE id = '\(c)'")
        try await execute("UPDATE patients SET mrn = 'X-8' WHERE id = '\(f)'")
        try await db.withConnection(as: TestDatabase.owner) { _ = try await migrator.up(on: $0) }
        #expect(try await db.strings("SELECT relforcerowsecurity::text FROM pg_class WHERE relname = 'patients'") == ["true"])
        await #expect(throws: DomainError.conflict("Another patient has this MRN.")) {
            try await db.withDatabase { database in
                try await database.withTenant(north, userID: nil) { tx in
                    _ = try await tx.patients.create(
                        PatientDetails(mrn: " ns-3001", givenName: "Gus", familyName: "Seven", birthDate: "1996-01-01", sex: .male))
                }
            }
        }
    }
}
