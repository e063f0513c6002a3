import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SoapstoneCore

/// Gives every request an id (answered in `X-Request-ID`, put in the log metadata and the
/// audit events), refuses bodies over the limit with 413 before anything reads them, and one
/// that takes longer than its time to arrive with 408.
struct RequestInfoMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maximumBodySize: Int
    let bodyReadTimeout: Duration
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let info = RequestInfo(
            requestID: RequestInfo.randomUUID().uuidString.lowercased(),
            clientRequestID: RequestInfo.clientRequestID(from: request.headers[.requestID]),
            clientAddress: trustedProxies.clientAddress(peer: context.remoteAddress?.ipAddress, headers: request.headers))
        var context = context
        context.logger[metadataKey: "request_id"] = .string(info.requestID)
        if let client = info.clientRequestID { context.logger[metadataKey: "client_request_id"] = .string(client) }
        let start = ContinuousClock.now
        var response = try await RequestInfo.$current.withValue(info) {
            do {
                let request = try await limitingBody(of: request, on: context.eventLoop)
                return try await next(request, context)
            } catch {
                // Errors become answers here, inside the request's id, so they carry it too.
                return ProblemMapping(maximumBodySize: maximumBodySize).response(for: error, logger: context.logger)
            }
        }
        response.headers[.requestID] = info.requestID
        // One line per request. The route's pattern, never the path or query: a query may hold
        // a patient's name, and the audit log is where ids are tied to people.
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(context.endpointPath ?? "unmatched"),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.1f", Double((ContinuousClock.now - start) / .microseconds(1)) / 1000)),
            ])
        return response
    }

    /// The body, read up to the limit: larger ones (declared or streamed) answer 413.
    private func limitingBody(of request: Request, on loop: any EventLoop) async throws -> Request {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximumBodySize {
            throw Problem.payloadTooLarge(limit: maximumBodySize)
        }
        var request = request
        do {
            let body = request.body
            // A request with neither a length nor chunks has no body (RFC 9112, 6.3): its end came
            // with its head, so there is nothing to time. The timer and its task group held about
            // 7 % of a patient read's samples in a profile.
            let buffer =
                if request.headers[.contentLength] == nil && request.headers[.transferEncoding] == nil {
                    try await body.collect(upTo: maximumBodySize)
                } else {
                    try await withinBodyReadTimeout(on: loop) { [maximumBodySize] in
                        try await body.collect(upTo: maximumBodySize)
                    }
                }
            // The length is known now: it lets the OpenAPI layer tell no body from one to read.
            var head = request.head
            head.headerFields[.contentLength] = String(buffer.readableBytes)
            return Request(head: head, body: .init(buffer: buffer))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.payloadTooLarge(limit: maximumBodySize)
        }
    }

    /// `read`, or 408 when the body has not arrived in time (a trickle keeps the connection's
    /// idle timer from firing, not this one). The timer is a task scheduled on the connection's
    /// loop, where this request already runs: `Task.sleep` armed a Dispatch timer, which woke
    /// Dispatch's threads and held about 6 % of a note save's samples in a profile.
    private func withinBodyReadTimeout(
        on loop: any EventLoop, _ read: @escaping @Sendable () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        let limit = TimeAmount.nanoseconds(Int64(bodyReadTimeout / .nanoseconds(1)))
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await read() }
            group.addTask {
                let timer = loop.scheduleTask(in: limit) {}
                try await withTaskCancellationHandler {
                    try await timer.futureResult.get()
                } onCancel: {
                    timer.cancel()
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let buffer = try await group.next() ?? nil else { throw Problem.requestTimeout }
            return buffer
        }
    }
}
