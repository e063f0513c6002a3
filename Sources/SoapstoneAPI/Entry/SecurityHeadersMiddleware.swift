import Foundation
import HTTPTypes
import Hummingbird

/// Headers every answer carries. The policy allows this origin's scripts and styles only: no
/// inline script, no eval, no framing; the API's answers are never cached (patient data).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    // One literal: a static stored property is not allowed in a generic type, and joining the
    // parts on every answer showed in the profile.
    static var contentSecurityPolicy: String {
        """
        default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
        font-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'
        """
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
