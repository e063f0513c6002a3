import ArgumentParser
import Foundation
import PostgresNIO
import SoapstoneDatabase

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply, revert or list the schema migrations (connect as the schema owner).",
        subcommands: [Up.self, Down.self, Status.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the pending migrations.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Stop after this migration.") var to: Int?

        func run() async throws {
            let target = to
            let applied = try await withMigrator(database) { try await $0.up(on: $1, to: target) }
            print(
                applied.isEmpty
                    ? "Nothing to apply: the schema is up to date."
                    : applied.map { "applied \(label($0))" }.joined(separator: "\n"))
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revert the newest migration, or all above --to N (0: all).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Revert every migration above this one.") var to: Int?

        func run() async throws {
            let target = to
            let reverted = try await withMigrator(database) { try await $0.down(on: $1, to: target) }
            print(reverted.isEmpty ? "Nothing to revert." : reverted.map { "reverted \(label($0))" }.joined(separator: "\n"))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the migrations: applied, pending, changed.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await withMigrator(database) { try await $0.status(on: $1) }
            print(MigrationStatusTable(rows).text)
            if rows.contains(where: {
                if case .pending = $0.state { false } else if case .applied = $0.state { false } else { true }
            }) {
                throw ExitCode(2)
            }
        }
    }
}

/// The bundled migrations and one connection to the database the options name.
private func withMigrator<T: Sendable>(
    _ options: DatabaseOptions, _ body: @escaping @Sendable (Migrator, PostgresConnection) async throws -> T
) async throws -> T {
    let logger = try makeLogger()
    return try await runReporting {
        let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
        return try await withClient(try options.configuration(), logger: logger) { client in
            try await client.withConnection { try await body(migrator, $0) }
        }
    }
}

private func label(_ migration: Migration) -> String {
    String(format: "%04d %@", migration.version, migration.name)
}

/// Prints a failure in its own words and exits 1, instead of Swift's dump of the error value.
func runReporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(explain(error))\n".utf8))
        throw ExitCode.failure
    }
}
