import ArgumentParser
import SoapstoneDatabase
import SoapstoneDevelopment

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the development clinics, users, patients and notes (never in production).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try makeLogger()
        let created = try await runReporting {
            try await withClient(try database.configuration(), logger: logger) { client in
                try await DevelopmentSeed(database: Database(client: client, logger: logger), logger: logger).run()
            }
        }
        print(created.isEmpty ? "Development data already present; nothing added." : "Seeded: \(created.joined(separator: ", "))")
    }
}
