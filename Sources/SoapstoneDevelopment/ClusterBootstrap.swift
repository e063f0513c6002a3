import Logging
import PostgresNIO
import SoapstoneDatabase

/// The roles and the database of a local cluster (development and tests), made by its
/// superuser. Against any other PostgreSQL a DBA makes the roles (README).
public enum ClusterBootstrap {
    /// Owns the schema and runs the migrations. Not a superuser: FORCE'd RLS binds it too.
    public static let ownerRole = "soapstone_owner"
    /// The grants the server needs (NOLOGIN; migration 1 grants to it).
    public static let appRole = "soapstone_app"
    /// The server's login: a member of soapstone_app and nothing more.
    public static let serverRole = "soapstone_server"

    /// Owns the login lookup (migration 2 makes it when missing).
    public static let authRole = "soapstone_auth"
    /// Keeps the restriction of a patient's clinical rows in step (migration 34 makes it when
    /// missing).
    public static let restrictionRole = "soapstone_restriction"

    /// Creates the roles when missing; idempotent. Roles are cluster-wide: made here once, they
    /// are not raced for by migrations of two databases at once (CREATE ROLE in two sessions
    /// at the same moment fails one of them with a unique violation, not duplicate_object).
    public static func ensureRoles(superuser connection: PostgresConnection, logger: Logger) async throws {
        let statements = [
            "CREATE ROLE \(ownerRole) LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE",
            "CREATE ROLE \(appRole) NOLOGIN NOSUPERUSER NOBYPASSRLS",
            "CREATE ROLE \(authRole) NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
            "CREATE ROLE \(restrictionRole) NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
            "CREATE ROLE \(serverRole) LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE \(appRole)",
        ]
        for statement in statements {
            try await connection.run(
                PostgresQuery(
                    unsafeSQL: """
                        DO $$ BEGIN \(statement); EXCEPTION WHEN duplicate_object THEN NULL; END $$
                        """), logger: logger)
        }
        // The server role may exist from an earlier run without the membership.
        try await connection.run(PostgresQuery(unsafeSQL: "GRANT \(appRole) TO \(serverRole)"), logger: logger)
    }

    /// Creates `name` owned by the owner role, optionally as a copy of `template`; idempotent.
    public static func ensureDatabase(
        _ name: String, template: String? = nil, superuser connection: PostgresConnection, logger: Logger
    ) async throws {
        try requireIdentifier(name)
        let exists =
            try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
            .collect().count > 0
        guard !exists else { return }
        var sql = "CREATE DATABASE \(name) OWNER \(ownerRole)"
        if let template {
            try requireIdentifier(template)
            sql += " TEMPLATE \(template)"
        }
        try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Database names go into DDL, which takes no bind parameters: allow only plain names.
    static func requireIdentifier(_ name: String) throws {
        guard !name.isEmpty, name.count <= 63,
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw LocalClusterError("\(name) is not a plain database name (lowercase letters, digits, underscores)")
        }
    }
}
