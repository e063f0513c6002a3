import Logging
import PostgresNIO

/// How the schema is laid out when a deployment outgrows one server and runs on Citus
/// (docs/scaling.md): every table is distributed by `tenant_id`, all of them colocated, so a
/// tenant's rows of every table live on one node, but the few that stay whole on every node.
/// The catalog tests hold the schema to this layout, since Citus cannot run in CI here.
public enum Distribution {
    /// The column every distributed table is sharded by.
    public static let column = "tenant_id"

    /// Tables kept whole on every node (Citus reference tables). `tenants` is one row per
    /// clinic, read at login by its slug before any tenant is known, so the slug's uniqueness
    /// spans tenants; a distributed table may point at a reference table, never the reverse.
    public static let referenceTables: Set<String> = ["tenants"]

    /// Global tables outside any tenant (docs/design.md rule 1's exceptions), also reference tables:
    /// the migrations' ledger and the pre-authentication counters, reached only through
    /// soapstone_auth's functions.
    public static let globalTables: Set<String> = ["schema_migrations", "login_lockouts", "login_throttle"]

    /// One table's step: made a reference table, or distributed beside the first one.
    public struct Step: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            case reference
            /// Colocated with `anchor`; the anchor itself starts the colocation group (nil).
            case distributed(colocatedWith: String?)
        }

        public let table: String
        public let kind: Kind

        /// The one statement Citus needs for this table.
        public var sql: String {
            switch kind {
            case .reference:
                "SELECT create_reference_table('public.\(table)')"
            case .distributed(nil):
                "SELECT create_distributed_table('public.\(table)', '\(Distribution.column)', colocate_with => 'none')"
            case .distributed(let anchor?):
                "SELECT create_distributed_table('public.\(table)', '\(Distribution.column)', colocate_with => 'public.\(anchor)')"
            }
        }

        public var description: String {
            switch kind {
            case .reference: "\(table): reference table"
            case .distributed(nil): "\(table): distributed by \(Distribution.column)"
            case .distributed(let anchor?): "\(table): distributed by \(Distribution.column), colocated with \(anchor)"
            }
        }
    }

    /// The steps for the schema `connection` reaches, in the order Citus accepts: reference
    /// tables first, then each distributed table after every table its foreign keys point at
    /// (the catalog tests keep the keys free of cycles). Ties go by name, so the order is the
    /// same on every run.
    public static func plan(on connection: PostgresConnection, logger: Logger) async throws -> [Step] {
        var tables: [String: Bool] = [:]  // name: has tenant_id
        for try await (name, hasTenant) in try await connection.query(
            """
            SELECT c.relname::text,
                   EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
              FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """, logger: logger
        ).decode((String, Bool).self) {
            tables[name] = hasTenant
        }
        var parents: [String: Set<String>] = [:]
        for try await (child, parent) in try await connection.query(
            """
            SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND conrelid <> confrelid
            """, logger: logger
        ).decode((String, String).self) {
            parents[child, default: []].insert(parent)
        }
        let whole = referenceTables.union(globalTables)
        for (name, hasTenant) in tables where !hasTenant && !whole.contains(name) {
            throw DistributionError.unplaced(table: name)
        }
        var steps = tables.keys.filter(whole.contains).sorted().map { Step(table: $0, kind: .reference) }
        var placed = Set(steps.map(\.table))
        var remaining = Set(tables.keys).subtracting(placed)
        var anchor: String?
        while !remaining.isEmpty {
            guard let next = remaining.sorted().first(where: { (parents[$0] ?? []).isSubset(of: placed) }) else {
                throw DistributionError.foreignKeyCycle(tables: remaining.sorted())
            }
            steps.append(Step(table: next, kind: .distributed(colocatedWith: anchor)))
            anchor = anchor ?? next
            placed.insert(next)
            remaining.remove(next)
        }
        return steps
    }

    /// What `scale distribute` did.
    public struct Report: Sendable {
        public let done: [Step]
        public let alreadyDone: [Step]
        /// The request functions Citus now runs whole on their tenant's worker.
        public let delegated: [String]
        public let nodes: Int
    }

    /// Which functions are request functions (migration 18, `Database.call`): the tenant and the
    /// acting user as their first two arguments, and rows back. The helpers they call first
    /// (`soapstone_set_tenant`, `soapstone_record_audit`) take the same two but answer nothing.
    public static let requestFunctionCondition =
        "p.pronamespace = 'public'::regnamespace AND p.proargnames[1] = 'tenant' AND p.proargnames[2] = 'actor' AND p.proretset"

    /// Distributes the schema on a Citus coordinator, table by table, skipping those already
    /// placed as planned (so a run cut short is finished by the next). Refuses, changing
    /// nothing, without Citus, without a node to hold shards, on a schema that is not this
    /// build's, or when a table was already placed another way.
    public static func distribute(
        on connection: PostgresConnection, migrations: [Migration], shards: Int?, logger: Logger
    ) async throws -> Report {
        let citus = try await connection.query(
            "SELECT extversion FROM pg_extension WHERE extname = 'citus'", logger: logger
        ).collect().first?.decode(String.self)
        guard citus != nil else { throw DistributionError.noCitus }
        try await SchemaCheck(migrations: migrations, logger: logger).verify(on: connection)
        let nodes =
            try await connection.query(
                "SELECT count(*)::int8 FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND shouldhaveshards",
                logger: logger
            ).collect().first?.decode(Int.self) ?? 0
        guard nodes > 0 else { throw DistributionError.noNodes }

        let steps = try await plan(on: connection, logger: logger)
        var placed: [String: String] = [:]  // table: 'n' (reference) or 'h' (hash-distributed) with its column
        for try await (table, method, column) in try await connection.query(
            """
            SELECT logicalrelid::regclass::text, partmethod::text,
                   CASE WHEN partkey IS NULL THEN '' ELSE column_to_column_name(logicalrelid, partkey) END
              FROM pg_dist_partition
            """, logger: logger
        ).decode((String, String, String).self) {
            placed[table.replacingOccurrences(of: "public.", with: "")] = method == "h" ? "h:\(column)" : method
        }
        for step in steps {
            guard let current = placed[step.table] else { continue }
            let expected = step.kind == .reference ? "n" : "h:\(column)"
            guard current == expected else { throw DistributionError.placedOtherwise(table: step.table, as: current) }
        }

        // Citus refuses tables with triggers unless told they are safe here: ours check rows of
        // the same tenant, which live on the same node. This connection is the command's own,
        // so the settings end with it.
        try await connection.run("SET citus.enable_unsafe_triggers = on", logger: logger)
        // Making `tenants` a reference table would otherwise pull every table with a key to it
        // into Citus's metadata as a local table at once, and a local table's key to a table
        // distributed later is refused (each table is placed in its own step below instead).
        try await connection.run("SET citus.enable_local_reference_table_foreign_keys = off", logger: logger)
        if let shards {
            try await connection.run(PostgresQuery(unsafeSQL: "SET citus.shard_count = \(shards)"), logger: logger)
        }
        var done: [Step] = []
        var alreadyDone: [Step] = []
        for step in steps {
            if placed[step.table] != nil {
                alreadyDone.append(step)
                continue
            }
            logger.info("distributing", metadata: ["step": "\(step)"])
            do {
                // One transaction a table, so nobody else ever sees it without what is lifted
                // here for the step:
                // - FORCE of RLS: Citus copies a table's rows to its shards with COPY FROM,
                //   which PostgreSQL refuses under RLS, and FORCE binds the owner too;
                // - deferred constraint triggers (a note's check of its versions, migration
                //   19): the rows copied to a shard queue their events on the worker, and
                //   Citus's ALTER TABLE of that shard then fails on them ("pending trigger
                //   events"). Each is made again, as it was, once the table is placed, and
                //   Citus gives it to every shard.
                try await connection.inTransaction(logger: logger) { connection in
                    var deferred: [(name: String, definition: String)] = []
                    for try await trigger in try await connection.query(
                        """
                        SELECT tgname::text, pg_get_triggerdef(oid) FROM pg_trigger
                         WHERE tgrelid = \("public.\(step.table)")::regclass AND tgdeferrable AND NOT tgisinternal
                         ORDER BY tgname
                        """, logger: logger
                    ).decode((String, String).self) {
                        deferred.append(trigger)
                    }
                    let table = "public.\(step.table)"
                    try await connection.run(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) NO FORCE ROW LEVEL SECURITY"), logger: logger)
                    for trigger in deferred {
                        try await connection.run(PostgresQuery(unsafeSQL: "DROP TRIGGER \(trigger.name) ON \(table)"), logger: logger)
                    }
                    try await connection.run(PostgresQuery(unsafeSQL: step.sql), logger: logger)
                    for trigger in deferred {
                        try await connection.run(PostgresQuery(unsafeSQL: trigger.definition), logger: logger)
                    }
                    try await connection.run(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) FORCE ROW LEVEL SECURITY"), logger: logger)
                }
            } catch let error as PSQLError {
                throw DistributionError.refused(step: step, message: error.serverSummary, placed: done)
            }
            done.append(step)
        }
        try await copyGrantsToWorkers(on: connection, logger: logger)
        var delegated: [String] = []
        if let anchor = steps.first(where: { $0.kind == .distributed(colocatedWith: nil) })?.table {
            delegated = try await delegateRequestFunctions(colocatedWith: anchor, on: connection, logger: logger)
        }
        try await connection.run("RESET citus.enable_unsafe_triggers", logger: logger)
        try await connection.run("RESET citus.enable_local_reference_table_foreign_keys", logger: logger)
        try await requireServerRolesOnWorkers(on: connection, logger: logger)
        try await requireAuthLoginOnWorkers(on: connection, logger: logger)
        return Report(done: done, alreadyDone: alreadyDone, delegated: delegated, nodes: nodes)
    }

    /// The login lookup and the lockout functions are SECURITY DEFINER, so Citus reaches the
    /// workers as their owner, soapstone_auth: it must log in there (docs/scaling.md, step 2),
    /// though nowhere else. Citus undoes that whenever it copies the role to the workers again
    /// (a node added, and the first distribution of a table whose policies name the role), so
    /// every run checks it and says what to do: without it every login fails.
    /// The roles the servers log in as (members of soapstone_app that log in on the coordinator)
    /// must exist on every worker as they do here: the coordinator reaches the workers as the
    /// role running each statement. Citus copies to a node it adds only the roles its objects
    /// depend on (the tables' owner, soapstone_app, soapstone_auth), not a login role that is
    /// only a member of one, so on a worker added later every request that reaches it would
    /// fail ("role … does not exist"): checked on every run, named with what to do.
    static func requireServerRolesOnWorkers(on connection: PostgresConnection, logger: Logger) async throws {
        let answers = try await connection.query(
            """
            WITH servers AS (
                SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}') AS names FROM pg_roles r
                 WHERE r.rolcanlogin AND NOT r.rolsuper AND pg_has_role(r.oid, 'soapstone_app', 'MEMBER'))
            SELECT w.nodename || ':' || w.nodeport, w.success, w.result
              FROM servers, run_command_on_workers(format(
                $$SELECT coalesce(string_agg(name, ' ' ORDER BY name), '') FROM unnest(%L::text[]) AS name
                   WHERE NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = name AND r.rolcanlogin
                                        AND pg_has_role(r.oid, 'soapstone_app', 'MEMBER'))$$, servers.names)) AS w
             ORDER BY 1
            """, logger: logger
        ).collect()
        var missing: [String: [String]] = [:]
        for answer in answers {
            let (node, success, result) = try answer.decode((String, Bool, String).self)
            guard success else { throw DistributionError.grantRefused(place: node, grant: "a look at its roles", message: result) }
            if !result.isEmpty { missing[node] = result.split(separator: " ").map(String.init) }
        }
        guard missing.isEmpty else { throw DistributionError.serverRolesMissing(byWorker: missing) }
    }

    static func requireAuthLoginOnWorkers(on connection: PostgresConnection, logger: Logger) async throws {
        let answers = try await connection.query(
            """
            SELECT nodename || ':' || nodeport, success, result FROM run_command_on_workers(
                $$SELECT rolcanlogin FROM pg_roles WHERE rolname = 'soapstone_auth'$$) ORDER BY 1
            """, logger: logger
        ).collect()
        var refused: [String] = []
        for answer in answers {
            let (node, success, result) = try answer.decode((String, Bool, String).self)
            if !success || result != "t" { refused.append(node) }
        }
        guard refused.isEmpty else { throw DistributionError.authCannotLogIn(workers: refused) }
    }

    /// Makes each request function a distributed function by its `tenant` argument, colocated
    /// with the tenant's rows: Citus then sends a call (`SELECT … FROM f($1, …)`, outside a
    /// transaction block, as `Database.call` makes it) whole to the worker holding that tenant,
    /// where its statements run on local shards, instead of one round trip from the
    /// coordinator per statement. And each is planned for every call's values
    /// (`plan_cache_mode`): on one server the search keeps one generic plan (migration 18), but
    /// Citus cannot plan a statement with a sub-query for a shard a parameter names ("could not
    /// create distributed plan"). Both are idempotent and done on every run, so a migration
    /// that makes a request function again is followed by this command.
    static func delegateRequestFunctions(
        colocatedWith anchor: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> [String] {
        let functions = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE \(requestFunctionCondition) ORDER BY 1"),
            logger: logger
        ).collect().map { try $0.decode(String.self) }
        for function in functions {
            do {
                try await connection.run(
                    "SELECT create_distributed_function(\(function)::regprocedure, 'tenant', colocate_with := \("public.\(anchor)"))",
                    logger: logger)
                try await connection.run(
                    PostgresQuery(unsafeSQL: "ALTER FUNCTION \(function) SET plan_cache_mode = force_custom_plan"), logger: logger)
            } catch let error as PSQLError {
                throw DistributionError.delegationRefused(function: function, message: error.serverSummary)
            }
        }
        return functions
    }
}

extension Distribution {
    /// Citus makes each view and table on every worker too, where a delegated request function
    /// reads them by name, but without the grants on views (Citus 13.0: "permission denied for
    /// view api_patients" from a worker). Every grant of the schema's tables and views is given
    /// again on every worker, with Citus's propagation off (the worker's objects are the
    /// workers' own). Idempotent, on every run; a worker added later gets them from the next.
    /// There are no grants on columns to give: Citus would not carry them to a shard that
    /// moves (migrations 23 and 24; a catalog test).
    static func copyGrantsToWorkers(on connection: PostgresConnection, logger: Logger) async throws {
        let grants = try await connection.query(
            """
            SELECT format('GRANT %s ON public.%I TO %I', x.privilege_type, c.relname, x.grantee::regrole::text)
              FROM pg_class c, aclexplode(c.relacl) x
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND x.grantee <> c.relowner
               AND x.grantee <> 0
             ORDER BY 1
            """, logger: logger
        ).collect().map { try $0.decode(String.self) }
        for grant in grants {
            let command = "SET LOCAL citus.enable_ddl_propagation TO off; \(grant)"
            for answer in try await connection.query(
                "SELECT nodename || ':' || nodeport, success, result FROM run_command_on_workers(\(command))", logger: logger
            ).collect() {
                let (node, success, message) = try answer.decode((String, Bool, String).self)
                guard success else {
                    throw DistributionError.grantRefused(place: "worker \(node)", grant: grant, message: message)
                }
            }
        }
    }
}

public enum DistributionError: Error, Equatable, CustomStringConvertible {
    /// Every table is placed, but Citus refused to run a request function on the workers.
    case delegationRefused(function: String, message: String)
    /// Every table is placed, but soapstone_auth may not log in on these workers.
    case authCannotLogIn(workers: [String])
    /// Every table is placed, but these workers lack these roles of the servers (or they may not
    /// log in there, or are not members of soapstone_app there).
    case serverRolesMissing(byWorker: [String: [String]])
    /// A grant could not be given again to a shard or a worker (`place`).
    case grantRefused(place: String, grant: String, message: String)
    /// Citus refused a step: what it said, and the steps of this run that were done before it.
    case refused(step: Distribution.Step, message: String, placed: [Distribution.Step])
    case noCitus
    case noNodes
    case unplaced(table: String)
    case foreignKeyCycle(tables: [String])
    case placedOtherwise(table: String, as: String)

    public var description: String {
        switch self {
        case .authCannotLogIn(let workers):
            "every table is placed, but soapstone_auth may not log in on \(workers.joined(separator: ", ")), so every "
                + "login would fail. On each of them, as a superuser: SET citus.enable_alter_role_propagation = off; "
                + "ALTER ROLE soapstone_auth LOGIN PASSWORD '…'; (docs/scaling.md, step 2). Citus resets it when it copies "
                + "the role to the workers again; run this command again to check."
        case .serverRolesMissing(let byWorker):
            "every table is placed, but "
                + byWorker.sorted { $0.key < $1.key }.map { "\($0.key) lacks \($0.value.joined(separator: ", "))" }
                    .joined(separator: "; ")
                + " (a role that logs in there as a member of soapstone_app), so every request that reaches it would fail. "
                + "Citus copies to a node it adds only the roles its objects depend on. On each of them, as a superuser: "
                + "CREATE ROLE <name> LOGIN PASSWORD '…' IN ROLE soapstone_app; (docs/scaling.md, \"Adding a worker\"), "
                + "then run this command again."
        case .delegationRefused(let function, let message):
            "every table is placed, but Citus refused to distribute the request function \(function): \(message). "
                + "Run the command again once the cause is fixed."
        case .grantRefused(let place, let grant, let message):
            "every table is placed, but \(place) refused \(grant): \(message). Run the command again once the node answers."
        case .refused(let step, let message, let placed):
            "Citus refused \(step) (\(step.sql)): \(message). "
                + (placed.isEmpty
                    ? "Nothing was placed by this run. "
                    : "Placed by this run before it: \(placed.map(\.table).joined(separator: ", ")). ")
                + "Fix the cause and run `soapstone scale distribute` again: it finishes the rest."
        case .noCitus:
            "this database has no citus extension (CREATE EXTENSION citus, on a server with citus in "
                + "shared_preload_libraries; docs/scaling.md): nothing was changed"
        case .noNodes:
            "no Citus node may hold shards: add workers with citus_add_node (docs/scaling.md); nothing was changed"
        case .unplaced(let table):
            "table \(table) has no tenant_id and is not one of the tables kept whole on every node: nothing was changed"
        case .foreignKeyCycle(let tables):
            "the foreign keys of \(tables.joined(separator: ", ")) form a cycle, which Citus cannot distribute: nothing was changed"
        case .placedOtherwise(let table, let placement):
            "table \(table) is already placed by Citus as \(placement), not as planned: nothing was changed"
        }
    }
}
