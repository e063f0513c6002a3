import Foundation
import SoapstoneDatabase
import SoapstoneDevelopment
import SoapstoneTestSupport
import Testing

/// deploy/: two `soapstone serve` processes behind a real nginx, on a throwaway seeded
/// database, checked by tests/deploy/run (sessions and login protection across instances,
/// SIGTERM under load, SIGKILL routed around, every event sealed into an intact audit chain, a
/// bounded shutdown). deploy/setup installs
/// Debian's nginx where it is missing.
@Suite("Deployment behind nginx")
struct DeploymentTests {
    @Test("Two instances behind nginx share sessions and login protection, drain on SIGTERM, survive a SIGKILL")
    func twoInstancesBehindNginx() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded, migratedBy: .superuser)
        // The binary beside this test bundle: `swift test` builds the whole package.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("soapstone")
        #expect(FileManager.default.isExecutableFile(atPath: executable.path), "\(executable.path) is not built")
        let base = try LoopbackPort.freeRun(of: 3)
        let (status, output) = try await ScriptRun.run(
            [
                "/usr/bin/env", "DATABASE_URL=\(db.url())", "SOAPSTONE_OWNER_URL=\(db.url(as: TestDatabase.superuser))",
                "SOAPSTONE_BIN=\(executable.path)", "tests/deploy/run", String(base),
            ],
            log: "deploy")
        #expect(status == 0, "the deployment checks failed:\n\(output.suffix(8000))")
    }
}
