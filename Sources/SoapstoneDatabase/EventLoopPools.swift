import Logging
import NIOCore
import PostgresNIO

/// The serving pools: one PostgresNIO pool for each event loop of the server's group, its
/// connections served by that loop, and an executor that runs a task's jobs on that loop.
///
/// A request that runs on its HTTP channel's loop (`executor(for:)` as its task's preferred
/// executor) leases from that loop's pool, so each statement is written, and its answer read
/// and handed back to the request, on one thread. With one pool for all loops and the request
/// on Swift's cooperative pool, every round trip crossed threads twice (a loop wakes a pool
/// thread, which wakes the loop again to write); the waiting left a sixth of the two cores
/// idle under load in bench/.
public struct EventLoopPools: Sendable {
    struct Member: Sendable {
        let loop: (any EventLoop)?
        let client: PostgresClient
        let maximumConnections: Int?
        let executor: EventLoopExecutor?
    }
    let members: [Member]

    /// One pool, on no loop of its own: for commands and tests.
    init(client: PostgresClient) {
        members = [Member(loop: nil, client: client, maximumConnections: nil, executor: nil)]
    }

    /// A pool per loop of `group`, dividing `configuration`'s connections between them (at
    /// least one each).
    public init(configuration: PostgresClient.Configuration, group: any EventLoopGroup, backgroundLogger: Logger) {
        let loops = Array(group.makeIterator())
        let total = configuration.options.maximumConnections
        members = loops.enumerated().map { index, loop in
            var share = configuration
            share.options.maximumConnections = max(1, total / loops.count + (index < total % loops.count ? 1 : 0))
            share.options.minimumConnections = min(share.options.minimumConnections, share.options.maximumConnections)
            return Member(
                loop: loop,
                client: PostgresClient(configuration: share, eventLoopGroup: loop, backgroundLogger: backgroundLogger),
                maximumConnections: share.options.maximumConnections, executor: EventLoopExecutor(loop))
        }
    }

    /// One pool on `loop` alone, for a background task that runs there (`executor(for:)`) as a
    /// request does: its statements are written on the connection's own loop.
    public init(configuration: PostgresClient.Configuration, loop: any EventLoop, backgroundLogger: Logger) {
        members = [
            Member(
                loop: loop, client: PostgresClient(configuration: configuration, eventLoopGroup: loop, backgroundLogger: backgroundLogger),
                maximumConnections: configuration.options.maximumConnections, executor: EventLoopExecutor(loop))
        ]
    }

    /// The most connections the pools open together.
    public var maximumConnections: Int { members.compactMap(\.maximumConnections).reduce(0, +) }

    /// The pools to run, each for as long as the server serves.
    public var clients: [PostgresClient] { members.map(\.client) }

    /// The executor that runs tasks on `loop`, if it is one of the pools' loops.
    public func executor(for loop: any EventLoop) -> (any TaskExecutor)? {
        members.first(where: { $0.loop === loop })?.executor
    }

    /// The pool of the loop running the caller, or the first for a caller on none of them.
    var current: PostgresClient {
        members.first(where: { $0.loop?.inEventLoop ?? false })?.client ?? members[0].client
    }
}

/// Runs a task's jobs on one event loop. Made once per loop and kept with the pools: a task
/// inherits its parent's preferred executor and must never outlive it.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
