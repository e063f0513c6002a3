import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import Prometheus

/// Request counts and latencies per OpenAPI operation and answer status, for `GET /metrics`.
/// Labelled by operation id, never by path: ids in paths would make one series per record.
/// Kept in a registry of the application's own (no global metrics system), so every app a test
/// builds counts for itself.
struct OperationMetrics: ServerMiddleware {
    let registry: PrometheusCollectorRegistry
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
            let status = ProblemMapping.problem(
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
