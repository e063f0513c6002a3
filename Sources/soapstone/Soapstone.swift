import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import SoapstoneAPI

@main
struct Soapstone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Soapstone: multi-tenant clinical documentation on PostgreSQL.",
        subcommands: [Dev.self, Serve.self, Migrate.self, Seed.self, BcryptCeiling.self]
    )

    /// Swift's tasks run on NIO's event loops, where the sockets are: a request's task resumes
    /// on the loop that read PostgreSQL's answer instead of waiting for a hand-off to another
    /// pool's thread (7 % less server CPU per request in bench/, as Vapor's template does).
    /// Nothing may block a task for long now: bcrypt runs on Dispatch's threads.
    static func main() async {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}
