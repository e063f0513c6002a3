import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import SoapstoneCore
import SoapstoneDatabase
import Testing

@testable import SoapstoneAPI

/// The one mapping of errors to answers, asked directly for the cases a request can hardly reach.
@Suite("Problem mapping")
struct ProblemMappingTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func wrapped(_ error: any Error, input: (any Sendable)? = nil) -> ServerError {
        ServerError(
            operationID: "getPatient", request: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/v1/patients/x"),
            requestBody: nil, requestMetadata: ServerRequestMetadata(), operationInput: input, causeDescription: "cause",
            underlyingError: error)
    }

    /// An error the runtime answers with a status of its own, as its request checks do.
    struct Mismatch: Error, HTTPResponseConvertible {
        var httpStatus: HTTPResponse.Status { .badRequest }
    }

    struct Unknown: Error {}

    @Test("A 413 names the body limit the server was configured with, not a fixed one")
    func bodyLimit() {
        let problem = ProblemMapping(maximumBodySize: 4096).problem(
            for: HTTPError(.contentTooLarge), logger: Self.logger)
        #expect(problem.status == .contentTooLarge)
        #expect(problem.detail == "The request body is larger than 4 KiB.")
    }

    @Test("What the runtime refuses with a client status is a 400; what a handler throws is mapped by what it is")
    func runtimeErrors() {
        let mapping = ProblemMapping(maximumBodySize: 1 << 20)
        let mismatch = mapping.problem(for: Self.wrapped(Mismatch()), logger: Self.logger)
        #expect(mismatch.status == .badRequest)
        #expect(mismatch.detail == "The request does not match the API: cause.")
        #expect(mapping.problem(for: Self.wrapped(DomainError.notFound, input: 1), logger: Self.logger).status == .notFound)
        #expect(mapping.problem(for: Self.wrapped(AuthError.invalidCredentials), logger: Self.logger).type == "invalid-credentials")
        #expect(mapping.problem(for: Self.wrapped(Unknown(), input: 1), logger: Self.logger).status == .internalServerError)
        #expect(mapping.problem(for: Self.wrapped(Unknown()), logger: Self.logger).status == .internalServerError)
    }
}
