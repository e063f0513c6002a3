import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The OpenAPI runtime writes header values in the "simple" style, which percent-encodes what
/// some headers must carry as it is: the quotes of an entity tag (`"3"` becomes `%223%22`) and
/// the `=`, `;` and spaces of a cookie. This restores them as RFC 9110 and RFC 6265 spell them,
/// so clients send the ETag back in If-Match unchanged and browsers store the cookie.
struct LiteralHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var literal: [HTTPField.Name] { [.eTag, .setCookie] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        for name in Self.literal {
            if let value = response.headers[name], value.contains("%"), let decoded = value.removingPercentEncoding {
                response.headers[name] = decoded
            }
        }
        return response
    }
}

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
