import ArgumentParser

@main
struct Soapstone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Soapstone: multi-tenant clinical documentation on PostgreSQL.",
        subcommands: [Dev.self, Serve.self, Migrate.self, Seed.self, BcryptCeiling.self]
    )
}
