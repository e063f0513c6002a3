import Foundation

@testable import SoapstoneDatabase
@testable import SoapstoneDevelopment

/// A script of the repository's (tests/browser, tests/fuzz, tests/deploy) run from its root,
/// its output in a log file of its own that is kept only when the script fails.
enum ScriptRun {
    static func run(_ arguments: [String], log name: String) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-\(name)-\(getpid()).log")
        try? FileManager.default.removeItem(at: log)
        let status = try await ChildProcess.run(arguments, workingDirectory: BrowserTests.repository.path, log: log.path)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no output)"
        if status == 0 { try? FileManager.default.removeItem(at: log) }
        return (status, output)
    }
}
