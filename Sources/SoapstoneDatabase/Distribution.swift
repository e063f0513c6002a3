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

    /// Global tables outside any tenant (DESIGN.md rule 1's exceptions), also reference tables:
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
        public let nodes: Int
    }

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
            try await connection.run(PostgresQuery(unsafeSQL: step.sql), logger: logger)
            done.append(step)
        }
        try await connection.run("RESET citus.enable_unsafe_triggers", logger: logger)
        return Report(done: done, alreadyDone: alreadyDone, nodes: nodes)
    }
}

public enum DistributionError: Error, Equatable, CustomStringConvertible {
    case noCitus
    case noNodes
    case unplaced(table: String)
    case foreignKeyCycle(tables: [String])
    case placedOtherwise(table: String, as: String)

    public var description: String {
        switch self {
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
