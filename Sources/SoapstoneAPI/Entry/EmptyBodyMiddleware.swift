import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// Hummingbird hands every request a body, an empty one when none was sent; the OpenAPI
/// runtime would then read an optional body (refresh and logout by cookie) as empty JSON and
/// refuse it. An empty body is no body.
struct EmptyBodyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        try await next(request, body?.length == .known(0) ? nil : body, metadata)
    }
}
