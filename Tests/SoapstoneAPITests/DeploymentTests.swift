import Foundation
import SoapstoneTestSupport
import Testing

/// deploy/: two `soapstone serve` processes behind a real nginx, on a throwaway seeded
/// database, checked by tests/deploy/run (sessions and login protection across instances,
/// SIGTERM under load, SIGKILL routed around, a bounded shutdown). deploy/setup installs
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
        let base = try Self.freePorts(4)
        let (status, output) = try await ScriptRun.run(
            ["/usr/bin/env", "DATABASE_URL=\(db.url())", "SOAPSTONE_BIN=\(executable.path)", "tests/deploy/run", String(base)],
            log: "deploy")
        #expect(status == 0, "the deployment checks failed:\n\(output.suffix(8000))")
    }

    /// The first of `count` consecutive ports nothing listens on now.
    static func freePorts(_ count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20000...60000)
            if (base..<base + count).allSatisfy(Self.isFree) { return base }
        }
        throw POSIXError(.EADDRINUSE)
    }

    static func isFree(_ port: Int) -> Bool {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
