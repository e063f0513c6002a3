import Foundation
import HTTPTypes
import OpenAPIRuntime
import SoapstoneCore

/// Verifies the bearer token of every operation that needs one and decides, from
/// `AccessPolicy`, whether its role may call it. The principal travels as a task local.
struct AuthenticationMiddleware: ServerMiddleware {
    let tokens: AccessTokens

    @TaskLocal static var principal: Principal?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let requirement = AccessPolicy.requirement(for: operationID)
        if requirement == .open { return try await next(request, body, metadata) }

        guard let header = request.headerFields[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer ",
            let principal = await tokens.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else {
            throw Problem.unauthorized
        }
        if case .roles(let allowed) = requirement, !allowed.contains(principal.role) {
            throw Problem.forbidden
        }
        return try await Self.$principal.withValue(principal) { try await next(request, body, metadata) }
    }

    /// The caller of an operation that required a token.
    static func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthorized }
        return principal
    }
}
