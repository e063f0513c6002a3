import Foundation
import Logging
import PostgresNIO

/// What `migrate status` shows for one migration.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case pending
        case applied(at: Date)
        /// Applied, but the file differs from what was applied.
        case changed(at: Date, recordedChecksum: String)
        /// Applied by a build that had a migration this one lacks.
        case unknown(at: Date)
    }

    public let version: Int
    public let name: String
    public let checksum: String
    public let state: State
}

/// Applies and reverts the migrations, each in a transaction of its own, recording each in
/// `schema_migrations` with its checksum. Runs as the role that owns the schema.
///
/// A session-level advisory lock serialises migrators: a second `migrate up` waits for the
/// first, then finds nothing left to do.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    let logger: Logger

    /// Any constant works, as long as every migrator of this schema uses the same one.
    static let advisoryLockKey: Int64 = 0x536F_6170_7374_6F6E  // "Soapston"

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies the pending migrations up to `target` (all when nil); answers those it applied.
    @discardableResult
    public func up(on connection: PostgresConnection, to target: Int? = nil) async throws -> [Migration] {
        if let target, !migrations.contains(where: { $0.version == target }) {
            throw MigrationError.noSuchVersion(target)
        }
        return try await withLock(on: connection) {
            let applied = try await verifiedApplied(on: connection)
            let pending = migrations.filter { applied[$0.version] == nil && $0.version <= (target ?? .max) }
            for migration in pending {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                try await connection.inTransaction(logger: logger) { tx in
                    try await run(migration.up, of: migration, on: tx)
                    try await tx.run(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """, logger: logger)
                }
            }
            return pending
        }
    }

    /// Reverts applied migrations newest first: only the newest when `target` is nil, else
    /// every one above `target` (0 reverts all). Answers those it reverted.
    @discardableResult
    public func down(on connection: PostgresConnection, to target: Int? = nil) async throws -> [Migration] {
        if let target, target != 0, !migrations.contains(where: { $0.version == target }) {
            throw MigrationError.noSuchVersion(target)
        }
        return try await withLock(on: connection) {
            let applied = try await verifiedApplied(on: connection)
            let appliedMigrations = migrations.filter { applied[$0.version] != nil }.reversed()
            let reverting: [Migration] =
                if let target { appliedMigrations.filter { $0.version > target } } else { Array(appliedMigrations.prefix(1)) }
            for migration in reverting {
                logger.info("reverting migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                try await connection.inTransaction(logger: logger) { tx in
                    try await run(migration.down, of: migration, on: tx)
                    try await tx.run("DELETE FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
                }
            }
            return reverting
        }
    }

    /// Every known migration with its state, plus any applied one this build does not know.
    public func status(on connection: PostgresConnection) async throws -> [MigrationStatus] {
        let applied = try await appliedMigrations(on: connection)
        var rows = migrations.map { migration -> MigrationStatus in
            let state: MigrationStatus.State
            if let record = applied[migration.version] {
                state =
                    record.checksum == migration.checksum
                    ? .applied(at: record.appliedAt) : .changed(at: record.appliedAt, recordedChecksum: record.checksum)
            } else {
                state = .pending
            }
            return MigrationStatus(version: migration.version, name: migration.name, checksum: migration.checksum, state: state)
        }
        for (version, record) in applied where !migrations.contains(where: { $0.version == version }) {
            rows.append(
                MigrationStatus(
                    version: version, name: record.name, checksum: record.checksum, state: .unknown(at: record.appliedAt)))
        }
        return rows.sorted { $0.version < $1.version }
    }

    struct AppliedRecord {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    /// The applied migrations, after checking that each still matches its file.
    private func verifiedApplied(on connection: PostgresConnection) async throws -> [Int: AppliedRecord] {
        let applied = try await appliedMigrations(on: connection)
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = migrations.first(where: { $0.version == version }) else {
                throw MigrationError.unknownApplied(version: version)
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.checksumMismatch(
                    version: version, name: migration.name, recorded: record.checksum, current: migration.checksum)
            }
        }
        return applied
    }

    private func appliedMigrations(on connection: PostgresConnection) async throws -> [Int: AppliedRecord] {
        let exists =
            try await connection.query(
                "SELECT to_regclass('public.schema_migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [:] }
        var applied: [Int: AppliedRecord] = [:]
        let rows = try await connection.query(
            "SELECT version, name, checksum, applied_at FROM schema_migrations", logger: logger)
        for try await (version, name, checksum, appliedAt) in rows.decode((Int, String, String, Date).self) {
            applied[version] = AppliedRecord(name: name, checksum: checksum, appliedAt: appliedAt)
        }
        return applied
    }

    /// Runs a migration's statements inside its transaction. On Citus, a DDL statement on a
    /// distributed table runs over many connections per node at once, and Citus then refuses a
    /// function command later in the same transaction ("there was a parallel operation on a
    /// distributed table"): migration 28 adds a column and then replaces functions. Every
    /// migration therefore runs Citus's multi-shard commands over one connection per node. On
    /// a server without Citus the setting is an unused placeholder.
    private func run(_ script: String, of migration: Migration, on connection: PostgresConnection) async throws {
        try await connection.run("SET LOCAL citus.multi_shard_modify_mode = 'sequential'", logger: logger)
        for (index, statement) in SQLScript(script).statements.enumerated() {
            do {
                try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
            } catch let error as PSQLError {
                throw MigrationFailure(version: migration.version, name: migration.name, statementIndex: index + 1, error: error)
            }
        }
    }

    private func withLock<Result: Sendable>(
        on connection: PostgresConnection, _ body: () async throws -> Result
    ) async throws -> Result {
        try await connection.run("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
        do {
            try await ensureHistoryTable(on: connection)
            let result = try await body()
            try await connection.run("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            return result
        } catch {
            try? await connection.run("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            throw error
        }
    }

    /// `schema_migrations` has no tenant_id (the login counters of migration 9 neither). RLS is on and forced here too:
    /// everyone may read it (the server checks the schema version at start), and only the role
    /// that migrates may write it; soapstone_app gets SELECT alone (migration 1 grants it).
    private func ensureHistoryTable(on connection: PostgresConnection) async throws {
        let exists =
            try await connection.query(
                "SELECT to_regclass('public.schema_migrations') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard !exists else { return }
        try await connection.inTransaction(logger: logger) { tx in
            for statement in [
                """
                CREATE TABLE schema_migrations (
                    version    integer     PRIMARY KEY CHECK (version > 0),
                    name       text        NOT NULL,
                    checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE schema_migrations FORCE ROW LEVEL SECURITY",
                "CREATE POLICY read_only ON schema_migrations FOR SELECT USING (true)",
                "CREATE POLICY migrator_writes ON schema_migrations FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true)",
                "REVOKE ALL ON schema_migrations FROM PUBLIC",
            ] {
                try await tx.run(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }
}

/// A statement of a migration failed; the migration's transaction was rolled back.
public struct MigrationFailure: Error, CustomStringConvertible {
    public let version: Int
    public let name: String
    public let statementIndex: Int
    public let error: PSQLError

    public var description: String {
        "migration \(version) (\(name)) failed at statement \(statementIndex): \(error.serverSummary); nothing of it was applied"
    }
}
