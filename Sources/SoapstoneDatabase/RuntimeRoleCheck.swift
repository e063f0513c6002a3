import Logging
import PostgresNIO

/// The start-up guard: RLS binds neither a superuser, nor a role with BYPASSRLS, nor (through
/// FORCE it does, but it could switch it off) the tables' owner. A server connected as any of
/// these would serve every tenant's rows, so it refuses to start.
struct RuntimeRoleCheck {
    static let appRole = "soapstone_app"
    let logger: Logger

    func verify(on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            SELECT current_user::text,
                   r.rolsuper,
                   r.rolbypassrls,
                   EXISTS (SELECT 1 FROM pg_roles s
                           WHERE (s.rolsuper OR s.rolbypassrls) AND s.oid <> r.oid
                             AND pg_has_role(r.oid, s.oid, 'MEMBER')) AS reaches_privileged_role,
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
            (String, Bool, Bool, Bool, String?, Bool).self)
        {
            if isSuperuser { throw StartupRefusal.superuser(role: role) }
            if bypassesRLS { throw StartupRefusal.bypassesRLS(role: role) }
            if reachesPrivileged { throw StartupRefusal.reachesPrivilegedRole(role: role) }
            if let ownedAs { throw StartupRefusal.ownsTables(role: role, owner: ownedAs) }
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
    case reachesPrivilegedRole(role: String)
    case ownsTables(role: String, owner: String)
    case notAppRoleMember(role: String)
    case schemaBehind(applied: Int, expected: Int)
    case schemaAhead(version: Int)
    case schemaChanged(version: Int)

    public var description: String {
        let advice =
            "Connect as a login role that is a member of soapstone_app and nothing more (see README, \"Any PostgreSQL\")."
        return switch self {
        case .superuser(let role):
            "refusing to serve: database role \(role) is a superuser, which Row-Level Security does not bind. \(advice)"
        case .bypassesRLS(let role):
            "refusing to serve: database role \(role) has BYPASSRLS, so it would see every tenant's rows. \(advice)"
        case .reachesPrivilegedRole(let role):
            "refusing to serve: database role \(role) is a member of a superuser or BYPASSRLS role. \(advice)"
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
