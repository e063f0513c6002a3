import Foundation
import Hummingbird
import SoapstoneCore

/// An error answer as RFC 9457 problem details. Every error a client sees is one of these, and
/// each kind has a stable `type` URI clients may switch on.
public struct Problem: Error, Sendable, Encodable {
    static let typeBase = "https://soapstone.dev/problems/"

    let status: HTTPResponse.Status
    let type: String
    let title: String
    let detail: String
    let errors: [FieldError]?
    /// The patients a new one may duplicate (`possible-duplicate`), as a search lists them.
    let matches: [Components.Schemas.PatientSummary]?
    /// Headers the answer needs besides the content type: `Retry-After` of a 429 or 503,
    /// `Allow` of a 405.
    let headers: HTTPFields

    init(
        status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldError]? = nil,
        matches: [Components.Schemas.PatientSummary]? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.matches = matches
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors, matches }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.typeBase + type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(Int(status.code), forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(errors, forKey: .errors)
        try container.encodeIfPresent(matches, forKey: .matches)
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Problem {
    static let unauthorized = Problem(
        status: .unauthorized, type: "unauthorized", title: "Unauthorized", detail: "A valid access token is required.")
    /// The one answer to every failed login, whatever failed.
    static let invalidCredentials = Problem(
        status: .unauthorized, type: "invalid-credentials", title: "Unauthorized",
        detail: "The organisation, email or password is not right.")
    static let invalidRefreshToken = Problem(
        status: .unauthorized, type: "invalid-refresh-token", title: "Unauthorized",
        detail: "The refresh token is not valid: unknown, expired, revoked or already used.")
    static let forbidden = Problem(
        status: .forbidden, type: "forbidden", title: "Forbidden", detail: "Your role does not allow this.")
    static let notFound = Problem(status: .notFound, type: "not-found", title: "Not Found", detail: "There is no such resource.")

    static func conflict(_ detail: String) -> Problem {
        Problem(status: .conflict, type: "conflict", title: "Conflict", detail: detail)
    }

    static func validation(_ errors: [FieldError]) -> Problem {
        Problem(
            status: .unprocessableContent, type: "validation", title: "Unprocessable Content",
            detail: "The request breaks \(errors.count == 1 ? "a rule" : "\(errors.count) rules"); see errors.", errors: errors)
    }

    static func payloadTooLarge(limit: Int) -> Problem {
        Problem(
            status: .contentTooLarge, type: "payload-too-large", title: "Content Too Large",
            detail: "The request body is larger than \(limit / 1024) KiB.")
    }

    static func tooManyRequests(retryAfter: Int) -> Problem {
        Problem(
            status: .tooManyRequests, type: "too-many-requests", title: "Too Many Requests",
            detail: "Too many attempts; try again in \(retryAfter) seconds.", headers: [.retryAfter: String(retryAfter)])
    }

    static func passwordHashingBusy(retryAfter: Int) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "busy", title: "Service Unavailable",
            detail: "Too many passwords are being checked at once; try again in \(retryAfter) seconds.",
            headers: [.retryAfter: String(retryAfter)])
    }

    /// The body took too long to arrive; the connection is closed after this answer.
    static let requestTimeout = Problem(
        status: .requestTimeout, type: "request-timeout", title: "Request Timeout",
        detail: "The request's body did not arrive in time.", headers: [.connection: "close"])

    static let preconditionRequired = Problem(
        status: .preconditionRequired, type: "precondition-required", title: "Precondition Required",
        detail: "Send If-Match with the ETag of the version your change is based on.")

    static let databaseUnavailable = Problem(
        status: .serviceUnavailable, type: "database-unavailable", title: "Service Unavailable",
        detail: "The database is not reachable; try again shortly.", headers: [.retryAfter: "5"])

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> Problem {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return Problem(
            status: .methodNotAllowed, type: "method-not-allowed", title: "Method Not Allowed",
            detail: "This address answers \(list) only.", headers: [.allow: list])
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem(status: .badRequest, type: "bad-request", title: "Bad Request", detail: detail)
    }
}
