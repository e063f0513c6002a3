import Foundation
import Hummingbird
import Logging
import OpenAPIRuntime
import SoapstoneCore
import SoapstoneDatabase

/// The one place where errors become answers: the services throw domain errors (`DomainError`,
/// `AuthError`, `DatabaseError`, …), the HTTP layer its own `Problem`s, and this says what each
/// answers. A driver's message never reaches a client, and nothing a client can send ends as a
/// 500: the 500 is kept for our own faults, and logged.
struct ProblemMapping: Sendable {
    /// The body limit the server was configured with (`AppConfiguration.maximumBodySize`), for
    /// the 413 that names it.
    let maximumBodySize: Int

    func response(for error: any Error, logger: Logger) -> Response {
        problem(for: error, logger: logger).response()
    }

    func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ServerError:
            // The OpenAPI runtime wraps what handlers and middleware throw, and its own
            // complaints about a request that does not match the document. Those it answers
            // with a client error of its own (its errors are `HTTPResponseConvertible`, and
            // `httpStatus` carries their status); what handlers throw arrives as a 500 of the
            // runtime's and is mapped by what it is.
            if error.httpStatus.kind == .clientError, error.underlyingError is any HTTPResponseConvertible {
                return .badRequest("The request does not match the API: \(error.causeDescription).")
            }
            return problem(for: error.underlyingError, logger: logger)
        case let error as AuthError:
            switch error {
            case .notSignedIn: return .unauthorized
            case .invalidCredentials: return .invalidCredentials
            case .invalidRefreshToken: return .invalidRefreshToken
            }
        case let error as DomainError:
            switch error {
            case .notFound: return .notFound
            case .conflict(let detail): return .conflict(detail)
            case .stateConflict(let type, let detail):
                return Problem(status: .conflict, type: type, title: "Conflict", detail: detail)
            case .possibleDuplicate(let matches):
                return Problem(
                    status: .conflict, type: "possible-duplicate", title: "Conflict",
                    detail: matches.count == 1
                        ? "A patient with this name and birth date is on record. Is this the same person? If not, send confirmed_distinct: true."
                        : "\(matches.count) patients with this name and birth date are on record. Is this one of them? If not, send confirmed_distinct: true.",
                    matches: matches.map(Components.Schemas.PatientSummary.init))
            case .validation(let errors): return .validation(errors)
            case .notPermitted(let type, let detail):
                return Problem(status: .forbidden, type: type, title: "Forbidden", detail: detail)
            case .staleVersion(let current):
                return Problem(
                    status: .preconditionFailed, type: "stale-version", title: "Precondition Failed",
                    detail: "The resource changed since you read it; it is at version \(current) now.")
            }
        case let lock as LoginGuard.Lock:
            return .tooManyRequests(retryAfter: lock.retryAfter)
        case let busy as HashingGate.Busy:
            return .passwordHashingBusy(retryAfter: busy.retryAfter)
        case let error as DecodingError:
            return Self.decodingProblem(error)
        case let error as DatabaseError:
            switch error {
            case .unavailable(let summary):
                logger.warning("database unavailable", metadata: ["error": "\(summary)"])
                return .databaseUnavailable
            case .privilegeRefused:
                // The schema's grants or our SQL are wrong, never the client's request.
                logger.error("database refused the server's role", metadata: ["error": "\(error)"])
                return Self.internalError
            case .unexpected, .unreadable:
                logger.error("database error", metadata: ["error": "\(error)"])
                return Self.internalError
            }
        case let error as any HTTPResponseError:
            let status = error.status
            if status == .notFound {
                return Problem(
                    status: .notFound, type: "not-found", title: "Not Found", detail: "There is nothing at this address.")
            }
            if status == .contentTooLarge { return .payloadTooLarge(limit: maximumBodySize) }
            return Problem(status: status, type: "http-\(status.code)", title: status.reasonPhrase, detail: status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return Self.internalError
        }
    }

    static let internalError = Problem(
        status: .internalServerError, type: "internal", title: "Internal Server Error",
        detail: "Something went wrong on our side; it has been logged.")

    /// A body that is not JSON at all is a 400; JSON that breaks the schema (a missing or
    /// unknown field, a wrong type) is a 422 naming the field.
    static func decodingProblem(_ error: DecodingError) -> Problem {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(
                of: ".[", with: "[")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .badRequest("The body is not valid JSON.")
        case .dataCorrupted(let context):
            // The runtime names the first unknown key in the path (additionalProperties: false).
            let unknown = context.debugDescription.hasPrefix("Additional properties are disabled")
            return .validation([
                FieldError(
                    field: path(context.codingPath), message: unknown ? "is not a known field" : "has a value that is not allowed"
                )
            ])
        case .keyNotFound(let key, let context):
            return .validation([FieldError(field: path(context.codingPath + [key]), message: "is required")])
        case .typeMismatch(let type, let context):
            return .validation([FieldError(field: path(context.codingPath), message: "must be \(jsonName(of: type))")])
        case .valueNotFound(let type, let context):
            return .validation([FieldError(field: path(context.codingPath), message: "must be \(jsonName(of: type)), not null")])
        @unknown default:
            return .validation([FieldError(field: "", message: "is not acceptable")])
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: "of another type"
        }
    }
}
