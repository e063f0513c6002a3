import Foundation
import HTTPTypes
import Hummingbird

/// The OpenAPI runtime writes header values in the "simple" style, which percent-encodes the
/// quotes an entity tag must have (`"3"` becomes `%223%22`). This restores the ETag as RFC 9110
/// spells it, so clients can send it back in If-Match unchanged.
struct EntityTagMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        if let etag = response.headers[.eTag], etag.contains("%"), let decoded = etag.removingPercentEncoding {
            response.headers[.eTag] = decoded
        }
        return response
    }
}
