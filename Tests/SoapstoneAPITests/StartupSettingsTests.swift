import Foundation
import SoapstoneAPI
import SoapstoneTestSupport
@testable import SoapstoneDevelopment
import Testing

/// A setting the server cannot use stops it at start-up with its name, never a quiet default.
@Suite("Start-up settings")
struct StartupSettingsTests {
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("soapstone")
    /// A signing key, so that the settings after it are read.
    static let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

    @Test("A LOG_LEVEL, PORT or database connection count the server cannot use is an error at start-up", arguments: [
        ["LOG_LEVEL=loud"], ["PORT=http"], ["SOAPSTONE_DATABASE_CONNECTIONS=many"], ["SOAPSTONE_DATABASE_CONNECTIONS=0"],
    ])
    func refused(_ settings: [String]) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-settings-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try await ChildProcess.run(
            ["/usr/bin/env", "-i", "SOAPSTONE_ENV=development", "SOAPSTONE_JWT_SIGNING_KEY=\(Self.key)"] + settings
                + [Self.executable.path, "serve", "--database-url", "postgres://nobody@127.0.0.1:1/none"],
            workingDirectory: "/", log: log.path)
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(status != 0)
        let name = String(settings[0].prefix { $0 != "=" })
        #expect(output.contains("\(settings[0]) is not a"), "\(name): \(output)")
    }

    @Test("Fewer database connections than event loops (one pool each) is refused, not rounded up")
    func tooFewConnections() async throws {
        let app = try await TestApp.make(.migrated)
        var configuration = app.configuration()
        configuration.database.options.maximumConnections = 0
        await #expect(throws: ConfigurationError.self) { _ = try await buildApplication(configuration) }
    }
}
