import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Testing

@testable import SoapstoneAPI

@Suite("OpenAPI transport")
struct OpenAPIRouterTransportTests {
    typealias Transport = OpenAPIRouterTransport<AppRequestContext>

    @Test("An answer's body of known length is one buffer, which Hummingbird writes with the head in one call")
    func wholeBody() async throws {
        let chunks = AsyncStream<ArraySlice<UInt8>> { continuation in
            continuation.yield(ArraySlice(#"{"family":"#.utf8))
            continuation.yield(ArraySlice(#""Petrov"}"#.utf8))
            continuation.finish()
        }
        let body = try await Transport.responseBody(HTTPBody(chunks, length: .known(19)))
        // Hummingbird's ResponseWriter sends head, body and end in one write only for this case
        // of its (internal) body representation; any other streams the body after the head.
        #expect(Self.representation(of: body) == "byteBuffer")
        #expect(body.contentLength == 19)
        #expect(try await Self.bytes(of: body) == #"{"family":"Petrov"}"#)
    }

    @Test("A body of unknown length still streams, and no body is an empty one")
    func streamedAndEmpty() async throws {
        let chunks = AsyncStream<ArraySlice<UInt8>> { continuation in
            continuation.yield(ArraySlice("streamed".utf8))
            continuation.finish()
        }
        let streamed = try await Transport.responseBody(HTTPBody(chunks, length: .unknown))
        #expect(Self.representation(of: streamed) == "closure")
        #expect(streamed.contentLength == nil)
        #expect(try await Self.bytes(of: streamed) == "streamed")

        let none = try await Transport.responseBody(nil)
        #expect(none.contentLength == 0)
        #expect(try await Self.bytes(of: none) == "")
    }

    /// The case name of the body's backing enum.
    static func representation(of body: ResponseBody) -> String? {
        Mirror(reflecting: body).children.first { $0.label == "_backing" }
            .flatMap { Mirror(reflecting: $0.value).children.first?.label }
    }

    static func bytes(of body: ResponseBody) async throws -> String {
        let writer = Collector()
        try await body.write(writer)
        return String(buffer: writer.collected.value)
    }

    final class Collector: ResponseBodyWriter {
        let collected = Box()
        func write(_ buffer: ByteBuffer) async throws { collected.value.writeImmutableBuffer(buffer) }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    final class Box { var value = ByteBuffer() }
}
