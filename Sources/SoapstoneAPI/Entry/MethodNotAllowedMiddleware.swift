import Foundation
import HTTPTypes
import Hummingbird

/// A documented path asked with a method it does not have answers 405 with `Allow` (RFC 9110
/// section 15.5.6), not the router's 404: the path exists. The paths and their methods are the
/// OpenAPI document's, the contract every route of the API is generated or served from.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A documented path: its segments (nil where a parameter stands) and its methods.
    struct Route: Sendable {
        let segments: [Substring?]
        let methods: [HTTPRequest.Method]

        func matches(_ path: [Substring]) -> Bool {
            path.count == segments.count && zip(segments, path).allSatisfy { $0 == nil || $0 == $1 }
        }
    }

    let routes: [Route]

    init(document: Data) throws {
        let paths = try OpenAPIOutline(document).paths
        // The most specific first, as the router resolves them: /v1/patients/search before
        // /v1/patients/{id}.
        routes = paths.map { path, operations in
            Route(
                segments: path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 },
                methods: operations.keys.compactMap { HTTPRequest.Method($0.uppercased()) }
                    .sorted { $0.rawValue < $1.rawValue })
        }.sorted { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/")
            guard let route = routes.first(where: { $0.matches(path) }), !route.methods.contains(request.method) else {
                throw error
            }
            throw Problem.methodNotAllowed(allowed: route.methods)
        }
    }
}
