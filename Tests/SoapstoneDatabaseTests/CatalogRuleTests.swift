import Foundation
import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

/// docs/design.md's database rules, asked of the catalog the pgTAP way: a table or view added later
/// that breaks a rule fails here without anyone writing a test for it.
@Suite("Catalog rules")
struct CatalogRuleTests {
    @Test("Every table has tenant_id uuid NOT NULL", arguments: try await CatalogFixture.tables())
    func tenantIDColumn(table: Relation) async throws {
        let column = try await CatalogFixture.query(
            """
            SELECT format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
              FROM pg_attribute a WHERE a.attrelid = 'public.\(table.name)'::regclass AND a.attname = 'tenant_id' AND NOT a.attisdropped
            """)
        #expect(column == ["uuid true"])
    }

    @Test("Every table, schema_migrations included, has RLS enabled and forced")
    func rowLevelSecurityForced() async throws {
        let unforced = try await CatalogFixture.query(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            """)
        #expect(unforced.isEmpty)
    }

    @Test(
        "Every table has a policy letting a tenant's own rows be inserted, and every INSERT or UPDATE policy has WITH CHECK",
        arguments: try await CatalogFixture.tables())
    func policiesHaveWithCheck(table: Relation) async throws {
        let policies = try await CatalogFixture.query(
            """
            SELECT CASE WHEN roles = '{soapstone_auth}' THEN 'soapstone_auth:'
                        WHEN roles = '{soapstone_restriction}' THEN 'soapstone_restriction:' ELSE '' END ||
                   cmd || '|' || coalesce(qual, '') || '|' || coalesce(with_check, '')
              FROM pg_policies WHERE schemaname = 'public' AND tablename = '\(table.name)'
            """)
        #expect(!policies.isEmpty)
        let writing = policies.filter { $0.hasPrefix("ALL|") || $0.hasPrefix("INSERT|") || $0.hasPrefix("UPDATE|") }
        #expect(!writing.isEmpty, "no policy admits an INSERT")
        // Rows that carry a patient's restriction add it to the tenant (migration 34), for
        // everyone but the role that keeps their flag in step.
        let restricted = try await CatalogFixture.restrictedRelations().contains(table)
        for policy in policies where !policy.hasPrefix(Self.authPolicies) {
            let followsRestriction = policy.hasPrefix(Self.restrictionPolicies)
            let parts = policy.dropFirst(followsRestriction ? Self.restrictionPolicies.count : 0)
                .split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let (command, using, withCheck) = (parts[0], parts[1], parts[2])
            let condition = restricted && !followsRestriction ? Self.restrictedCondition : Self.tenantCondition
            if command != "INSERT" { #expect(using == condition, "USING is not \(condition): \(policy)") }
            if command != "SELECT" && command != "DELETE" {
                #expect(withCheck == condition, "WITH CHECK is not \(condition): \(policy)")
            }
        }
    }

    /// The restriction role's policies (migration 34): the tenant alone, on the clinical tables.
    static let restrictionPolicies = "soapstone_restriction:"
    static let restrictedCondition = "((tenant_id = soapstone_current_tenant()) AND soapstone_sees_patient(restricted, patient_id))"

    @Test("soapstone_restriction: no login, no members, owns only the function that keeps the flags in step, reads and updates only those")
    func restrictionRoleIsNarrow() async throws {
        let role = try await CatalogFixture.query(
            "SELECT rolcanlogin::text || rolsuper::text || rolbypassrls::text FROM pg_roles WHERE rolname = 'soapstone_restriction'")
        #expect(role == ["falsefalsefalse"])
        let members = try await CatalogFixture.query(
            "SELECT member::regrole::text FROM pg_auth_members WHERE roleid = 'soapstone_restriction'::regrole")
        #expect(members.isEmpty)
        let owned = try await CatalogFixture.query(
            """
            SELECT proname::text || ':' || prosecdef::text FROM pg_proc WHERE proowner = 'soapstone_restriction'::regrole
            UNION ALL SELECT relname::text FROM pg_class WHERE relowner = 'soapstone_restriction'::regrole
            """)
        #expect(owned == ["soapstone_follow_restriction:true"])
        let restricted = try await CatalogFixture.restrictedRelations().filter { !$0.isView }.map(\.name).sorted()
        let policies = try await CatalogFixture.query(
            "SELECT tablename || ':' || cmd FROM pg_policies WHERE 'soapstone_restriction' = ANY(roles) ORDER BY 1")
        #expect(policies == restricted.flatMap { ["\($0):SELECT", "\($0):UPDATE"] })
        let privileges = try await CatalogFixture.query(
            """
            SELECT c.relname || ':' || p FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND has_table_privilege('soapstone_restriction', c.oid, p)
             ORDER BY 1
            """)
        #expect(privileges == restricted.flatMap { ["\($0):SELECT", "\($0):UPDATE"] })
    }

    /// Tables that name a patient but carry no restriction, each for its reason: the audit log and
    /// its disclosures must stay whole for auditors (the access report, the chain's
    /// verification); the care team and the grants say who may open a chart, not what is in it.
    static let patientDataOutsideRestriction = [
        "audit_disclosures", "audit_events", "care_team_members", "emergency_access_grants",
    ]

    @Test("Every table that names a patient carries the patient's restriction, or is named here with its reason")
    func patientDataIsRestricted() async throws {
        let naming = try await CatalogFixture.query(
            """
            SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attname = 'patient_id' AND NOT a.attisdropped
             ORDER BY 1
            """)
        let restricted = try await CatalogFixture.restrictedRelations().map(\.name)
        #expect(naming.filter { !restricted.contains($0) } == Self.patientDataOutsideRestriction)
        #expect(Set(restricted).isSuperset(of: ["encounters", "notes", "note_versions"]))
    }

    /// soapstone_auth's policies (the login lookup's reads, migration 2, and the replacement of a
    /// password hash, migration 24), the exception: checked one by one below.
    static let authPolicies = "soapstone_auth:"

    @Test(
        "soapstone_auth: no login, no members, owns only the auth functions, reads tenant tables, replaces only password hashes"
    )
    func loginLookupRoleIsNarrow() async throws {
        let role = try await CatalogFixture.query(
            "SELECT rolcanlogin::text || rolsuper::text || rolbypassrls::text FROM pg_roles WHERE rolname = 'soapstone_auth'")
        #expect(role == ["falsefalsefalse"])
        // A member would see every tenant's users through the policies below.
        let members = try await CatalogFixture.query(
            "SELECT member::regrole::text FROM pg_auth_members WHERE roleid = 'soapstone_auth'::regrole")
        #expect(members.isEmpty)
        let policies = try await CatalogFixture.query(
            "SELECT tablename || ':' || cmd || ':' || coalesce(qual, '') || ':' || coalesce(with_check, '') FROM pg_policies WHERE 'soapstone_auth' = ANY(roles) ORDER BY 1"
        )
        #expect(
            policies == [
                "login_lockouts:ALL:true:true", "login_throttle:ALL:true:true", "sessions:SELECT:true:",
                "tenants:SELECT:true:", "user_credentials:SELECT:true:", "user_credentials:UPDATE:true:true",
                "users:SELECT:true:",
            ])
        let owned = try await CatalogFixture.query(
            """
            SELECT proname::text FROM pg_proc WHERE proowner = 'soapstone_auth'::regrole
            UNION ALL SELECT relname::text FROM pg_class WHERE relowner = 'soapstone_auth'::regrole
            """)
        // And the audit sealer with its tenant list (migration 29), which need every tenant.
        #expect(
            owned.sorted() == [
                "audit_seal", "audit_tenants", "auth_lockout_remaining", "auth_login_failed", "auth_login_lookup",
                "auth_login_succeeded", "auth_password_rehashed", "auth_revoked_sessions", "auth_throttle",
            ])
        let invokers = try await CatalogFixture.query(
            "SELECT proname::text FROM pg_proc WHERE proowner = 'soapstone_auth'::regrole AND NOT prosecdef")
        #expect(invokers.isEmpty, "every function of soapstone_auth runs as it (SECURITY DEFINER)")
        let tablePrivileges = try await CatalogFixture.query(
            """
            SELECT c.relname || ':' || p FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND has_table_privilege('soapstone_auth', c.oid, p)
            """)
        // Outside its counters it reads the tables of the login and the revocations (whole
        // tables since migration 23, as Citus gives every shard only those) and replaces password
        // hashes (migration 24); it reads audit events and appends seals and checkpoints, one
        // tenant at a time under the tenant policies, as the sealer (migration 29).
        let tenantTablePrivileges = tablePrivileges.filter {
            !CatalogFixture.preAuthenticationCounters.contains(String($0.split(separator: ":")[0]))
        }
        #expect(
            Set(tenantTablePrivileges) == [
                "sessions:SELECT", "tenants:SELECT", "user_credentials:SELECT", "user_credentials:UPDATE", "users:SELECT",
                "audit_events:SELECT", "audit_seals:SELECT", "audit_seals:INSERT", "audit_checkpoints:SELECT",
                "audit_checkpoints:INSERT",
            ],
            "soapstone_auth's privileges on tenant tables: \(tenantTablePrivileges)")
        let passwordHashReaders = try await CatalogFixture.query(
            """
            SELECT DISTINCT grantee::text FROM information_schema.column_privileges
             WHERE table_name = 'user_credentials' AND column_name = 'password_hash' AND privilege_type = 'SELECT' ORDER BY 1
            """)
        // The server reads users without their hashes; only the lookup (and the owner) see them.
        #expect(passwordHashReaders == ["soapstone_auth", "soapstone_owner"])
    }

    @Test("No grant on single columns, which a moved shard would lose")
    func columnGrants() async throws {
        // Citus gives a shard its table's grants, not those on columns: a rebalance or a
        // tenant's isolation would leave them behind (migrations 23 and 24, docs/scaling.md).
        let grants = try await CatalogFixture.query(
            """
            SELECT DISTINCT c.relname || ' ' || x.privilege_type || ' ' || x.grantee::regrole::text
              FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, aclexplode(a.attacl) x
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
               AND NOT has_table_privilege(x.grantee, c.oid, x.privilege_type)
             ORDER BY 1
            """)
        #expect(grants == [])
    }

    @Test("The pre-authentication counters: no tenant, RLS forced, soapstone_auth's alone, reached through its functions")
    func preAuthenticationCounters() async throws {
        for table in CatalogFixture.preAuthenticationCounters {
            let rls = try await CatalogFixture.query(
                "SELECT relrowsecurity::text || relforcerowsecurity::text FROM pg_class WHERE oid = 'public.\(table)'::regclass")
            #expect(rls == ["truetrue"], "\(table)")
            let tenantColumn = try await CatalogFixture.query(
                "SELECT attname::text FROM pg_attribute WHERE attrelid = 'public.\(table)'::regclass AND attname = 'tenant_id'")
            #expect(tenantColumn.isEmpty, "\(table)")
            let policies = try await CatalogFixture.query(
                "SELECT array_to_string(roles, ',') || ':' || coalesce(with_check, '') FROM pg_policies WHERE tablename = '\(table)'")
            #expect(policies == ["soapstone_auth:true"], "\(table): \(policies)")
            let appPrivileges = try await CatalogFixture.query(
                """
                SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
                 WHERE has_table_privilege('soapstone_app', 'public.\(table)', p)
                """)
            #expect(appPrivileges.isEmpty, "\(table): soapstone_app holds \(appPrivileges)")
        }
        let callable = try await CatalogFixture.query(
            """
            SELECT proname::text FROM pg_proc
             WHERE proname IN ('auth_throttle', 'auth_lockout_remaining', 'auth_login_failed', 'auth_login_succeeded')
               AND prosecdef AND proowner = 'soapstone_auth'::regrole AND has_function_privilege('soapstone_app', oid, 'EXECUTE')
            """)
        #expect(callable.count == 4, "\(callable)")
    }

    /// Rule 2's condition as PostgreSQL prints it back: one STABLE SQL function (migration 16),
    /// which reads the setting and turns the empty string into NULL, so no context matches no
    /// row. `CitusRuleTests` checks the function and that the planner inlines it.
    static let tenantCondition = "(tenant_id = soapstone_current_tenant())"

    @Test("schema_migrations: soapstone_app may only read it, through one read-only policy")
    func schemaMigrationsReadOnly() async throws {
        let policies = try await CatalogFixture.query(
            """
            SELECT policyname || ':' || cmd || ':' || array_to_string(roles, ',')
              FROM pg_policies WHERE tablename = 'schema_migrations' ORDER BY 1
            """)
        #expect(policies.contains("read_only:SELECT:public"))
        #expect(policies.count == 2 && policies.contains(where: { $0.hasPrefix("migrator_writes:ALL:soapstone_owner") }))
        let privileges = try await CatalogFixture.query(
            """
            SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p
             WHERE has_table_privilege('soapstone_app', 'public.schema_migrations', p)
            """)
        #expect(privileges == ["SELECT"])
    }

    @Test("Every view is created WITH (security_invoker = true)")
    func viewsAreSecurityInvoker() async throws {
        let plain = try await CatalogFixture.query(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'v'
               AND NOT coalesce('security_invoker=true' = ANY(c.reloptions) OR 'security_invoker=on' = ANY(c.reloptions), false)
            """)
        #expect(plain.isEmpty)
    }

    @Test("Every table has its api_ view", arguments: try await CatalogFixture.tables())
    func everyTableHasView(table: Relation) async throws {
        let views = try await CatalogFixture.query("SELECT to_regclass('public.api_\(table.name)')::text")
        #expect(views == ["api_\(table.name)"])
    }

    @Test("Every foreign key between tenant tables includes tenant_id on both sides")
    func foreignKeysAreComposite() async throws {
        let singleColumn = try await CatalogFixture.query(
            """
            SELECT con.conname
              FROM pg_constraint con
              JOIN pg_namespace n ON n.oid = con.connamespace
             WHERE n.nspname = 'public' AND con.contype = 'f'
               AND NOT EXISTS (
                   SELECT 1 FROM unnest(con.conkey, con.confkey) AS k(local, remote)
                    WHERE (SELECT attname FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = k.local) = 'tenant_id'
                      AND (SELECT attname FROM pg_attribute WHERE attrelid = con.confrelid AND attnum = k.remote) = 'tenant_id')
            """)
        #expect(singleColumn.isEmpty)
        let count = try await CatalogFixture.query(
            "SELECT count(*)::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND contype = 'f'"
        )
        #expect(Int(count[0])! > 10, "the check above must have foreign keys to look at")
    }

    @Test("Primary keys and indexes lead with tenant_id, but on the tables Citus keeps whole")
    func indexesLeadWithTenant() async throws {
        let whole = Distribution.referenceTables.union(Distribution.globalTables).map { "'\($0)'" }.joined(separator: ", ")
        let offending = try await CatalogFixture.query(
            """
            SELECT i.indexrelid::regclass::text
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public' AND t.relname NOT IN (\(whole))
               AND (SELECT attname FROM pg_attribute WHERE attrelid = t.oid AND attnum = i.indkey[0]) IS DISTINCT FROM 'tenant_id'
            """)
        #expect(offending.isEmpty)
        // A slug names its organisation at login, before a tenant is known: unique across
        // tenants, on the one table that is whole on every node.
        let global = try await CatalogFixture.query(
            """
            SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
             WHERE t.relname IN (\(Distribution.referenceTables.map { "'\($0)'" }.joined(separator: ", ")))
               AND (SELECT attname FROM pg_attribute WHERE attrelid = t.oid AND attnum = i.indkey[0]) IS DISTINCT FROM 'tenant_id'
            """)
        #expect(global == ["tenants_slug_key"])
    }

    @Test("No table is distributed that a reference table points at, and no foreign keys form a cycle")
    func foreignKeysDistributable() async throws {
        // Citus distributes tables one at a time, each after the tables its keys point at.
        let cycles = try await CatalogFixture.query(
            """
            WITH RECURSIVE edge AS (
                SELECT DISTINCT conrelid AS child, confrelid AS parent FROM pg_constraint c
                  JOIN pg_namespace n ON n.oid = c.connamespace
                 WHERE n.nspname = 'public' AND c.contype = 'f' AND conrelid <> confrelid
            ), walk (start, reached, path) AS (
                SELECT child, parent, ARRAY[child, parent] FROM edge
                UNION ALL
                SELECT w.start, e.parent, w.path || e.parent FROM walk w JOIN edge e ON e.child = w.reached
                 WHERE e.parent <> ALL (w.path[2:])
            )
            SELECT array_to_string(path::regclass[], ' -> ') FROM walk WHERE reached = start
            """)
        #expect(cycles.isEmpty)
        let reference = Distribution.referenceTables.map { "'\($0)'" }.joined(separator: ", ")
        let fromReference = try await CatalogFixture.query(
            """
            SELECT conname FROM pg_constraint c
             WHERE c.contype = 'f' AND c.conrelid::regclass::text IN (\(reference))
               AND c.confrelid::regclass::text NOT IN (\(reference))
            """)
        #expect(fromReference.isEmpty, "a reference table may point only at reference tables")
    }

    @Test("soapstone_app: no login, no superuser, no BYPASSRLS, owns nothing")
    func appRoleIsPlain() async throws {
        let role = try await CatalogFixture.query(
            "SELECT rolcanlogin::text || rolsuper::text || rolbypassrls::text FROM pg_roles WHERE rolname = 'soapstone_app'")
        #expect(role == ["falsefalsefalse"])
        let owned = try await CatalogFixture.query(
            """
            SELECT relname::text FROM pg_class WHERE relowner = 'soapstone_app'::regrole
            UNION ALL SELECT proname::text FROM pg_proc WHERE proowner = 'soapstone_app'::regrole
            UNION ALL SELECT nspname::text FROM pg_namespace WHERE nspowner = 'soapstone_app'::regrole
            UNION ALL SELECT typname::text FROM pg_type WHERE typowner = 'soapstone_app'::regrole
            """)
        #expect(owned.isEmpty)
    }

    @Test("soapstone_app holds no TRUNCATE, DELETE, REFERENCES or TRIGGER, and only INSERT and SELECT on the immutable tables")
    func appRoleLeastPrivilege() async throws {
        let excess = try await CatalogFixture.query(
            """
            SELECT c.relname || ':' || p
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN unnest(ARRAY['TRUNCATE','DELETE','REFERENCES','TRIGGER','UPDATE','INSERT']) p
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
               AND has_table_privilege('soapstone_app', c.oid, p)
               AND (p IN ('TRUNCATE', 'DELETE', 'REFERENCES', 'TRIGGER')
                    OR (c.relname IN ('note_versions', 'audit_events') AND p = 'UPDATE')
                    OR (c.relkind = 'v' AND p IN ('INSERT', 'UPDATE')))
            """)
        #expect(excess.isEmpty)
        let canRead = try await CatalogFixture.query(
            "SELECT has_table_privilege('soapstone_app', 'public.note_versions', 'INSERT')::text || has_table_privilege('soapstone_app', 'public.audit_events', 'SELECT')::text"
        )
        #expect(canRead == ["truetrue"], "the check above must be able to see privileges")
    }

    @Test("Every function sets its own search_path, and PUBLIC may execute none")
    func functionsAreLockedDown() async throws {
        let functions = try await CatalogFixture.query(
            """
            SELECT p.proname || ':' || coalesce(array_to_string(p.proconfig, ','), '') || ':' ||
                   coalesce((SELECT bool_or(a.grantee = 0) FROM aclexplode(p.proacl) a)::text, 'default')
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            """)
        #expect(!functions.isEmpty)
        for function in functions {
            // The policies' functions may not have one: a SET clause stops the planner from
            // inlining it. Its body names pg_catalog's objects instead (CitusRuleTests).
            if CitusRuleTests.policyFunctions.contains(where: { function.hasPrefix("\($0)::") }) {
                #expect(function.hasSuffix(":false"), "\(function) is executable by PUBLIC")
                continue
            }
            #expect(function.contains(":search_path="), "\(function) runs with the caller's search_path")
            #expect(function.hasSuffix(":false"), "\(function) is executable by PUBLIC")
        }
    }

    @Test("Every table with updated_at keeps it with a trigger")
    func updatedAtMaintained() async throws {
        let missing = try await CatalogFixture.query(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
             WHERE n.nspname = 'public' AND c.relkind = 'r'
               AND c.relname NOT IN ('login_lockouts', 'login_throttle')  -- stamped with the server's clock
               AND NOT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                               WHERE t.tgrelid = c.oid AND p.proname = 'set_updated_at')
            """)
        #expect(missing.isEmpty)
    }
}
