import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

@Suite("Event loop pools")
struct EventLoopPoolsTests {
    @Test("A task on a loop leases from that loop's pool and stays on the loop through a tenant transaction")
    func eachLoopLeasesItsOwnConnections() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let (tenant, _) = try await CatalogFixture.tenants()
        let logger = Logger(label: "event-loop-pools")
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pools = EventLoopPools(configuration: db.configuration(), group: loops, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in pools.clients { group.addTask { await client.run() } }
            defer { group.cancelAll() }
            let database = Database(pools: pools, logger: logger)

            for loop in loops.makeIterator() {
                let executor = try #require(pools.executor(for: loop))
                let (servedByLoop, onLoopAfterStatements, patients) = try await withTaskExecutorPreference(executor) {
                    let servedByLoop = try await database.withPooledConnection { $0.eventLoop === loop }
                    let patients = try await database.withTenant(tenant, userID: nil) { tx in
                        try await tx.query("SELECT count(*)::int8 FROM patients").collect().first!.decode(Int.self)
                    }
                    return (servedByLoop, loop.inEventLoop, patients)
                }
                #expect(servedByLoop, "the connection must be one the caller's loop serves")
                #expect(onLoopAfterStatements, "the task must resume on its loop after each statement")
                #expect(patients > 0)
            }
            #expect(pools.executor(for: EmbeddedEventLoop()) == nil)
        }
        try await loops.shutdownGracefully()
    }

    @Test("The loops' pools divide the configured connections between them, at least one each")
    func connectionsAreDivided() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { _ = loops.shutdownGracefully { _ in } }
        var configuration = db.configuration()
        for (total, shares) in [(20, [10, 10]), (5, [3, 2]), (1, [1, 1])] {
            configuration.options.maximumConnections = total
            let pools = EventLoopPools(configuration: configuration, group: loops, backgroundLogger: Logger(label: "split"))
            #expect(pools.members.map(\.maximumConnections) == shares)
            #expect(pools.maximumConnections == shares.reduce(0, +))
        }
    }
}
