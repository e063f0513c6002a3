import Hummingbird
import SoapstoneDatabase

/// Outermost: runs the rest of the request on the event loop its channel reads on, where
/// `EventLoopPools` keeps a pool of PostgreSQL connections served by the same loop.
struct EventLoopAffinityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pools: EventLoopPools

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        // A loop outside the server's group (the tests' in-memory channels) has no executor,
        // and nil keeps the default.
        try await withTaskExecutorPreference(pools.executor(for: context.eventLoop)) { try await next(request, context) }
    }
}
