import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The OpenAPI runtime writes header values in the "simple" style, which percent-encodes what
/// some headers must carry as it is: the quotes of an entity tag (`"3"` becomes `%223%22`) and
/// the `=`, `;` and spaces of a cookie. This restores them as RFC 9110 and RFC 6265 spell them,
/// so clients send the ETag back in If-Match unchanged and browsers store the cookie.
///
/// A workaround: delete it when the generator writes header values literally
/// (apple/swift-openapi-generator issues 529 and 857).
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
