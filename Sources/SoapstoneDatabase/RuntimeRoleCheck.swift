import Logging
import PostgresNIO

/// The start-up guard: RLS binds neither a superuser, nor a role with BYPASSRLS, nor (through
/// FORCE it does, but it could switch it off) the tables' owner. A server connected as any of
/// these would serve every tenant's rows, so it refuses to start; and so it does as a member of
/// any of them, or of a role that a policy of its own lets read across tenants
/// (`soapstone_auth`, whose login lookup reads every tenant's password hashes), since a member
/// can `SET ROLE` to it.
struct RuntimeRoleCheck {
    static let appRole = "soapstone_app"

    /// The roles a policy names (rather than PUBLIC, as the tenant policies do): each is given
    /// rows beyond the tenant policies (migrations 2, 9, 20 and 24 give them to soapstone_auth).
    static let crossTenantReaders = "SELECT unnest(polroles) FROM pg_policy"
    let logger: Logger

    func verify(on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            SELECT current_user::text,
                   r.rolsuper,
                   r.rolbypassrls,
                   (SELECT string_agg(s.rolname::text, ', ' ORDER BY s.rolname) FROM pg_roles s
                     WHERE s.oid <> r.oid AND pg_has_role(r.oid, s.oid, 'MEMBER')
                       AND (s.rolsuper OR s.rolbypassrls OR s.oid IN (\(unescaped: Self.crossTenantReaders))))
                       AS reaches_privileged_role,
                   (SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner), ', ')
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
                       AND pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owned_as,
                   EXISTS (SELECT 1 FROM pg_roles a
                           WHERE a.rolname = \(Self.appRole) AND pg_has_role(r.oid, a.oid, 'USAGE')) AS uses_app_role
              FROM pg_roles r
             WHERE r.rolname = current_user
            """, logger: logger)
        for try await (role, isSuperuser, bypassesRLS, reachesPrivileged, ownedAs, usesAppRole) in rows.decode(
            (String, Bool, Bool, String?, String?, Bool).self)
        {
            if isSuperuser { throw StartupRefusal.superuser(role: role) }
            if bypassesRLS { throw StartupRefusal.bypassesRLS(role: role) }
            if let ownedAs { throw StartupRefusal.ownsTables(role: role, owner: ownedAs) }
            if let reachesPrivileged { throw StartupRefusal.reachesPrivilegedRole(role: role, via: reachesPrivileged) }
            if !usesAppRole { throw StartupRefusal.notAppRoleMember(role: role) }
            logger.info("database role checked", metadata: ["role": "\(role)"])
        }
    }
}

/// Compares the applied migrations with this build's.
struct SchemaCheck {
    let migrations: [Migration]
    let logger: Logger

    func verify(on connection: PostgresConnection) async throws {
        let exists =
            try await connection.query(
                "SELECT to_regclass('public.schema_migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { throw StartupRefusal.schemaBehind(applied: 0, expected: migrations.last?.version ?? 0) }
        var applied: [Int: String] = [:]
        let rows = try await connection.query("SELECT version, checksum FROM schema_migrations", logger: logger)
        for try await (version, checksum) in rows.decode((Int, String).self) { applied[version] = checksum }
        for version in applied.keys.sorted() where !migrations.contains(where: { $0.version == version }) {
            throw StartupRefusal.schemaAhead(version: version)
        }
        for migration in migrations {
            guard let checksum = applied[migration.version] else {
                throw StartupRefusal.schemaBehind(applied: applied.keys.max() ?? 0, expected: migrations.last?.version ?? 0)
            }
            if checksum != migration.checksum { throw StartupRefusal.schemaChanged(version: migration.version) }
        }
    }
}

public enum StartupRefusal: Error, CustomStringConvertible, Equatable {
    case superuser(role: String)
    case bypassesRLS(role: String)
    case reachesPrivilegedRole(role: String, via: String)
    case ownsTables(role: String, owner: String)
    case notAppRoleMember(role: String)
    case schemaBehind(applied: Int, expected: Int)
    case schemaAhead(version: Int)
    case schemaChanged(version: Int)

    public var description: String {
        let advice =
            "Connect as a login role that is a member of soapstone_app and nothing more (see README, \"Against any PostgreSQL\")."
        return switch self {
        case .superuser(let role):
            "refusing to serve: database role \(role) is a superuser, which Row-Level Security does not bind. \(advice)"
        case .bypassesRLS(let role):
            "refusing to serve: database role \(role) has BYPASSRLS, so it would see every tenant's rows. \(advice)"
        case .reachesPrivilegedRole(let role, let via):
            "refusing to serve: database role \(role) can become \(via), which is a superuser, has BYPASSRLS or reads across tenants. \(advice)"
        case .ownsTables(let role, let owner):
            "refusing to serve: database role \(role) owns the tables (or is a member of their owner, \(owner)) and could switch Row-Level Security off. \(advice)"
        case .notAppRoleMember(let role):
            "refusing to serve: database role \(role) is not a member of soapstone_app, so it lacks the grants the server needs. \(advice)"
        case .schemaBehind(let applied, let expected):
            "refusing to serve: the database schema is at migration \(applied), this build needs \(expected). Run `soapstone migrate up` as the schema owner first."
        case .schemaAhead(let version):
            "refusing to serve: the database has migration \(version), which this build does not know. Run the build that applied it, or a newer one."
        case .schemaChanged(let version):
            "refusing to serve: migration \(version) differs from the one applied to this database. Run `soapstone migrate status`."
        }
    }
}
