import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import SoapstoneCore
import SoapstoneDatabase

/// Verifies the bearer token of every operation that needs one and decides, from
/// `AccessPolicy`, whether its role may call it. The principal travels as `Principal.current`. A
/// refusal of someone known (a 403, or a 401 for a genuine but expired token) is audited with
/// who and which operation, and logged with the user's id.
struct AuthenticationMiddleware: ServerMiddleware {
    let tokens: AccessTokens
    let database: Database
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let requirement = AccessPolicy.requirement(for: operationID)
        if requirement == .open { return try await next(request, body, metadata) }

        guard let header = request.headerFields[.authorization], let token = Self.bearerToken(in: header) else {
            throw Problem.unauthorized
        }
        let principal: Principal
        switch await tokens.check(token) {
        case .valid(let valid):
            principal = valid
        case .expired(let known):
            try await audit(known, .authTokenExpired, operationID: operationID, outcome: .failure)
            throw Problem.unauthorized
        case .revoked(let known):
            try await audit(known, .authTokenRevoked, operationID: operationID, outcome: .denied)
            throw Problem.unauthorized
        case .invalid:
            throw Problem.unauthorized
        }
        if !requirement.admits(principal.role) {
            try await audit(principal, .accessDenied, operationID: operationID, outcome: .denied, path: request.path)
            throw Problem.forbidden
        }
        return try await Principal.$current.withValue(principal) { try await next(request, body, metadata) }
    }

    /// The token of `Bearer <token>` (the scheme in any case, RFC 9110), without the blanks
    /// around it. On UTF-8 bytes: it runs for every request, and a token is a few hundred
    /// ASCII characters that Character-wise trimming and counting would walk as graphemes.
    static func bearerToken(in header: String) -> String? {
        let scheme = "bearer ".utf8
        guard header.utf8.count > scheme.count,
            header.utf8.prefix(scheme.count).lazy.map({ (65...90).contains($0) ? $0 + 32 : $0 }).elementsEqual(scheme)
        else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var token = header[header.utf8.index(header.startIndex, offsetBy: scheme.count)...]
        while let first = token.utf8.first, isBlank(first) { token = token.dropFirst() }
        while let last = token.utf8.last, isBlank(last) { token = token.dropLast() }
        return token.isEmpty ? nil : String(token)
    }

    /// A refusal's event names the operation, and the record its path names with that record's
    /// patient (looked up in the same transaction): a refused look at a chart is in the
    /// patient's access report.
    private func audit(
        _ principal: Principal, _ action: AuditAction, operationID: String, outcome: AuditOutcome, path: String? = nil
    ) async throws {
        logger.notice(
            "request refused",
            metadata: [
                "request_id": "\(RequestInfo.current.requestID)", "user_id": "\(principal.userID)", "action": "\(action.rawValue)",
                "operation": "\(operationID)",
            ])
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            let named = path.flatMap(AuditedRecord.named(byPath:))
            var patient: UUID?
            if let named { patient = try await tx.auditEvents.patient(ofRecord: named.record, id: named.id) }
            try await tx.auditEvents.record(
                AuditEntry(
                    principal, action, entityType: named?.record.rawValue ?? "operation", entityID: named?.id, patientID: patient,
                    outcome: outcome),
                detail: ["operation": operationID])
        }
    }
}
