import Foundation
import Hummingbird
import SoapstoneCore

/// An error answer as RFC 9457 problem details. Every error a client sees is one of these.
public struct Problem: Error, Sendable, Encodable {
    /// Problem type URIs are stable: clients may switch on them.
    static let typeBase = "https://soapstone.dev/problems/"

    let status: HTTPResponse.Status
    let type: String
    let title: String
    let detail: String
    let errors: [FieldError]?

    init(status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldError]? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.typeBase + type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(Int(status.code), forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(errors, forKey: .errors)
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The one place where errors become answers: a `Problem` as itself, Hummingbird's HTTP errors
/// (unknown route, bad method) as problems of their status, anything else as a 500 that tells
/// the client nothing about the inside.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response()
        } catch let error as any HTTPResponseError {
            let status = error.status
            return Problem(
                status: status, type: status == .notFound ? "not-found" : "http-\(status.code)",
                title: status.reasonPhrase,
                detail: status == .notFound ? "There is nothing at this address." : status.reasonPhrase
            ).response()
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: Swift.type(of: error)))"])
            return Problem(
                status: .internalServerError, type: "internal", title: "Internal Server Error",
                detail: "Something went wrong on our side; it has been logged."
            ).response()
        }
    }
}
