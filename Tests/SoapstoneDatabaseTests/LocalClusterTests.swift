import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneDevelopment
import SoapstoneTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The cluster code `soapstone dev` uses, on a cluster of this test's own.
@Suite("Local cluster")
struct LocalClusterTests {
    @Test("A stale postmaster.pid is removed, a running cluster is found again, and stop really stops it")
    func lifecycle() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "soapstone-lc-\(getpid())-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "cluster")
        logger.logLevel = .error
        let cluster = try LocalCluster(folder: folder, settings: .throwaway(logger: logger))
        let first = try await cluster.start()
        do {
            #expect(first.startedHere)
            #expect(try await answers(first))

            let again = try await cluster.start()
            #expect(!again.startedHere, "a running cluster is adopted, not started twice")
            #expect(again.port == first.port)
            try await cluster.stop()

            // A crash leaves postmaster.pid behind; here it names this test process, alive but
            // not a postgres server, which PostgreSQL itself would refuse to overwrite.
            let pidFile = cluster.dataDirectory.appendingPathComponent("postmaster.pid")
            try "\(getpid())\n\(cluster.dataDirectory.path)\n0\n\(first.port)\n".write(
                to: pidFile, atomically: true, encoding: .utf8)
            let restarted = try await cluster.start()
            #expect(restarted.startedHere)
            #expect(try await answers(restarted))
            try await cluster.stop()
            #expect(!FileManager.default.fileExists(atPath: pidFile.path))
        } catch {
            cluster.stopNow()
            throw error
        }
    }

    func answers(_ running: RunningCluster) async throws -> Bool {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                unixSocketPath: running.socketPath, username: LocalCluster.superuser, password: nil, database: "postgres"),
            id: 1, logger: Logger(label: "probe"))
        let one = try await connection.query("SELECT 1", logger: Logger(label: "probe")).collect().first?.decode(Int.self)
        try await connection.close()
        return one == 1
    }
}
