import ArgumentParser
import Logging
import SoapstoneAPI

@main
struct Soapstone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Soapstone: multi-tenant clinical documentation on PostgreSQL.",
        subcommands: [Dev.self, Serve.self, Migrate.self, Seed.self, Scale.self, Audit.self, BcryptCeiling.self]
    )

    static func main() async {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        await main(nil)
    }
}
