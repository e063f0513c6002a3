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
}
