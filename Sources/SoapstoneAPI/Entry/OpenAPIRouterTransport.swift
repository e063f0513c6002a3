import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// Serves the generated operations on the Hummingbird router.
///
/// It replaces swift-openapi-hummingbird's transport for one reason. That transport answered
/// every body as a stream. Hummingbird writes a streamed answer as its head, then its body,
/// each flushed on its own: two `write` calls per answer, and the client woken twice.
///
/// Every body an operation returns is already whole in memory, with its length known (the
/// generator encodes JSON into one buffer). So this transport gathers the body into one
/// buffer, and Hummingbird sends head and body in one write. A body of unknown length still
/// streams.
struct OpenAPIRouterTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        router.on(RouterPath(path), method: method) { request, context in
            let (head, body) = try await handler(request.head, Self.body(of: request), Self.metadata(of: context))
            return Response(status: head.status, headers: head.headerFields, body: try await Self.responseBody(body))
        }
    }

    /// The request's body, of the length its Content-Length declares (RequestInfoMiddleware
    /// writes one on every request, 0 when there is none).
    private static func body(of request: Request) -> HTTPBody {
        let length: HTTPBody.Length =
            if let declared = request.headers[.contentLength].flatMap(Int64.init) { .known(declared) } else { .unknown }
        return HTTPBody(request.body.map { ArraySlice($0.readableBytesView) }, length: length, iterationBehavior: .single)
    }

    private static func metadata(of context: Context) -> ServerRequestMetadata {
        ServerRequestMetadata(
            pathParameters: Dictionary(context.parameters.map { (String($0.0), $0.1) }, uniquingKeysWith: { first, _ in first }))
    }

    static func responseBody(_ body: HTTPBody?) async throws -> ResponseBody {
        guard let body else { return ResponseBody() }
        guard case .known(let length) = body.length else {
            return ResponseBody(asyncSequence: body.map { ByteBuffer(bytes: $0) })
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(length))
        for try await chunk in body {
            buffer.writeBytes(chunk)
        }
        return ResponseBody(byteBuffer: buffer)
    }
}
