import ArgumentParser
import Foundation
import PostgresNIO
import SoapstoneDatabase

/// The audit log's own evidence: README, "Audit chain".
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the audit log's chains (connect as the schema owner).", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-compute every organisation's audit chain, or one's, and report the first break.",
            discussion: """
                Walks each chain from its first event, re-computing every hash, compares the checkpoints stored \
                in the database with it, and with --from-checkpoint requires that it still passes through a head \
                you kept outside the database. Prints, per organisation, \
                the events checked, the head, and the first break (changed, missing, inserted or reordered) if any. \
                Exits 1 when any chain is broken.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this organisation (its slug).") var tenant: String?
        @Option(
            name: .customLong("from-checkpoint"),
            help: "Also require that the chain still passes through a head you kept, by its hash (needs --tenant).")
        var fromCheckpoint: String?

        func validate() throws {
            if fromCheckpoint != nil && tenant == nil { throw ValidationError("--from-checkpoint needs --tenant") }
            if let fromCheckpoint, fromCheckpoint.range(of: "^[0-9a-fA-F]{64}$", options: .regularExpression) == nil {
                throw ValidationError("--from-checkpoint takes a SHA-256 in hex (64 characters)")
            }
        }

        func run() async throws {
            let logger = try makeLogger()
            let (tenant, checkpoint) = (tenant, fromCheckpoint)
            let reports = try await runReporting {
                try await withClient(try database.configuration(), logger: logger) { client in
                    try await client.withConnection { connection in
                        var all = try await AuditChain.tenants(on: connection, logger: logger)
                        if let tenant {
                            all = all.filter { $0.slug == tenant }
                            guard !all.isEmpty else { throw ValidationError("no organisation has the slug \(tenant)") }
                        }
                        var reports: [(String, AuditChain.Verification)] = []
                        for organisation in all {
                            reports.append(
                                (organisation.slug,
                                 try await AuditChain.verify(
                                    tenant: organisation.id, fromCheckpoint: checkpoint, on: connection, logger: logger)))
                        }
                        return reports
                    }
                }
            }
            for (slug, report) in reports {
                let head = report.head.map { "head \($0.position) \($0.hash)" } ?? "no events sealed yet"
                let waiting = "\(report.unsealed) not sealed yet"
                    + (report.oldestUnsealedAt.map { " (the oldest from \(ISO8601DateFormatter().string(from: $0)))" } ?? "")
                if let broken = report.firstBreak {
                    print(
                        "\(slug): BROKEN at position \(broken.position): \(broken.kind.rawValue)"
                            + (broken.eventID.map { " (event \($0.uuidString.lowercased()))" } ?? "")
                            + "; \(report.events) events checked before it; \(waiting)")
                } else {
                    print("\(slug): intact, \(report.events) events checked, \(head); \(waiting)")
                }
            }
            if reports.contains(where: { !$0.1.intact }) { throw ExitCode.failure }
        }
    }
}
