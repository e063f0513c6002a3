import HummingbirdCore
import Logging
import NIOCore
import SoapstoneDatabase

/// A server child channel (HTTP/1.1 here) whose connection task runs on the event loop its
/// channel reads on, where `EventLoopPools` keeps a pool of PostgreSQL connections served by
/// the same loop. Hummingbird starts each connection's task on Swift's cooperative pool: a
/// request then crossed threads to be read, again to reach its loop for the database, and
/// again to write its answer (a profile under wrk found an eighth of the server's time in
/// those hand-offs). Preferring the loop for the whole connection removes them all; the task
/// inherits the preference for every request the connection carries.
struct EventLoopBoundChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let pools: EventLoopPools

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        // A loop outside the pools' group has no executor, and nil keeps the default.
        await withTaskExecutorPreference(pools.executor(for: value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}
