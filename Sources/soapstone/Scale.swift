import ArgumentParser
import Foundation
import SoapstoneDatabase

/// Growing past one server: docs/scaling.md.
struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Spread the database over a Citus cluster (docs/scaling.md).", subcommands: [Distribute.self])

    struct Distribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Distribute every table by tenant_id, colocated, and keep the global ones whole on every node.",
            discussion: """
                Run on the Citus coordinator of a migrated database, as the schema owner. Safe to run again: \
                tables already placed are left as they are. Without Citus it refuses and changes nothing.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Shards per distributed table (default: Citus's citus.shard_count, 32).") var shards: Int?

        func validate() throws {
            if let shards, !(1...10000).contains(shards) { throw ValidationError("--shards \(shards) is not between 1 and 10000") }
        }

        func run() async throws {
            let logger = try makeLogger()
            let shards = shards
            let report = try await runReporting {
                try await withClient(try database.configuration(), logger: logger) { client in
                    try await client.withConnection { connection in
                        try await Distribution.distribute(
                            on: connection, migrations: try Migration.bundled(), shards: shards, logger: logger)
                    }
                }
            }
            for step in report.done { print("distributed \(step)") }
            for step in report.alreadyDone { print("already in place: \(step)") }
            for function in report.delegated { print("runs on its tenant's worker: \(function)") }
            print(
                "\(report.done.count) tables placed now, \(report.alreadyDone.count) already; "
                    + "\(report.delegated.count) request functions delegated; \(report.nodes) nodes hold shards.")
        }
    }
}
