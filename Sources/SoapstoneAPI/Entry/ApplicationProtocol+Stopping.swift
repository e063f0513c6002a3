import Hummingbird
import Logging
import ServiceLifecycle

extension ApplicationProtocol {
    /// Serves until SIGTERM or SIGINT, then stops as a load balancer expects: no new
    /// connections, the requests in flight answered (a keep-alive connection closes after its
    /// current answer), then the database pools closed. Work still running after
    /// `gracePeriod` is cancelled, so an instance that is told to stop always does.
    public func runUntilStopped(gracePeriod: Duration) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = gracePeriod
        configuration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: configuration).run()
    }
}
