import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import Prometheus
import SoapstoneDatabase

/// Request counts and latencies per OpenAPI operation and answer status, for `GET /metrics`.
/// Labelled by operation id, never by path: ids in paths would make one series per record.
/// Kept in a registry of the application's own (no global metrics system), so every app a test
/// builds counts for itself.
struct OperationMetrics: ServerMiddleware {
    let registry: PrometheusCollectorRegistry
    let problems: ProblemMapping
    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let start = ContinuousClock.now
        do {
            let (response, responseBody) = try await next(request, body, metadata)
            record(operationID, status: Int(response.status.code), since: start)
            return (response, responseBody)
        } catch {
            // The status the error will be answered with, from the one mapping.
            let status = problems.problem(
                for: error, logger: Logger(label: "metrics", factory: { _ in SwiftLogNoOpLogHandler() })
            ).status
            record(operationID, status: Int(status.code), since: start)
            throw error
        }
    }

    private func record(_ operation: String, status: Int, since start: ContinuousClock.Instant) {
        registry.makeCounter(
            name: "soapstone_http_requests_total", labels: [("operation", operation), ("status", String(status))],
            help: "Requests answered, by OpenAPI operation and status."
        ).increment()
        registry.makeDurationHistogram(
            name: "soapstone_http_request_duration_seconds", labels: [("operation", operation)], buckets: Self.buckets,
            help: "Time from the request reaching the operation to its answer."
        ).record(ContinuousClock.now - start)
    }
}

/// Use of the PostgreSQL pool, for `GET /metrics`: connections leased now, the configured
/// maximum, and how long requests waited for a connection (time spent waiting here is time
/// the pool is too small for the load).
struct PoolMetrics: ConnectionPoolObserver {
    let inUse: Gauge
    let wait: DurationHistogram

    init(registry: PrometheusCollectorRegistry, maximumConnections: Int) {
        registry.makeGauge(
            name: "soapstone_db_pool_max_connections", help: "The most connections the pool opens to PostgreSQL."
        ).set(Double(maximumConnections))
        inUse = registry.makeGauge(
            name: "soapstone_db_pool_connections_in_use", help: "Pooled connections leased to requests right now.")
        wait = registry.makeDurationHistogram(
            name: "soapstone_db_pool_wait_seconds", labels: [], buckets: OperationMetrics.buckets,
            help: "Time a request waited for a pooled connection.")
    }

    func acquired(after wait: Duration) {
        inUse.increment()
        self.wait.record(wait)
    }

    func released() { inUse.decrement() }
}
