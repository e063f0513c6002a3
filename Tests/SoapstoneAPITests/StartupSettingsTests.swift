import Foundation
@testable import SoapstoneDevelopment
import Testing

/// A setting the server cannot use stops it at start-up with its name, never a quiet default.
@Suite("Start-up settings")
struct StartupSettingsTests {
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("soapstone")

    @Test("A LOG_LEVEL that is no level is an error at start-up, as a PORT that is no port is", arguments: [
        ["LOG_LEVEL=loud"], ["PORT=http"],
    ])
    func refused(_ settings: [String]) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-settings-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try await ChildProcess.run(
            ["/usr/bin/env", "-i", "SOAPSTONE_ENV=development"] + settings
                + [Self.executable.path, "serve", "--database-url", "postgres://nobody@127.0.0.1:1/none"],
            workingDirectory: "/", log: log.path)
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(status != 0)
        let name = String(settings[0].prefix { $0 != "=" })
        #expect(output.contains("\(settings[0]) is not a"), "\(name): \(output)")
    }
}
