import Foundation
import HTTPTypes
import OpenAPIRuntime
import SoapstoneCore

/// The one place around the generated decoding of every operation, for what the decoder alone
/// would answer badly:
/// - U+0000 in any string of the JSON body (its keys too) or in a query parameter: valid JSON
///   and a valid Swift string, but PostgreSQL's text cannot hold it, and the database's
///   refusal would be a 500. Refused as 422, naming each field.
/// - A date-time the decoder cannot take (`DateTimeError`): valid JSON, so a 422 naming the
///   field, not "the body is not valid JSON".
/// - Missing required fields: the decoder stops at the first; the answer names every one the
///   operation's schema requires, so a form is put right in one go.
/// - A query parameter outside its enum (`action=patient.raed`): the URI decoder's complaint
///   reads as "the body is not valid JSON"; the answer is a 422 naming the parameter.
/// Bytes that are not JSON at all, lone surrogates among them, stay the decoder's 400.
struct DecodingMiddleware: ServerMiddleware {
    static let nulMessage = "must not contain the NUL character (U+0000)"
    static let dateTimeMessage = "must be an RFC 3339 date-time, e.g. 2026-11-25T14:26:11Z"

    /// Each operation's request body schema, `$ref`s resolved, from the OpenAPI document.
    let bodySchemas: [String: RequestSchema]
    /// Each operation's query parameters that take one of a list, and the list.
    let queryChoices: [String: [String: [String]]]

    init(document: Data) throws {
        bodySchemas = try RequestSchema.bodies(of: document)
        queryChoices = try RequestSchema.queryChoices(of: document)
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // The body is in memory already (RequestInfoMiddleware read it, up to its limit).
        var bytes: ArraySlice<UInt8>?
        if let body { bytes = try await ArraySlice(collecting: body, upTo: .max) }
        let query = Self.queryItems(of: request)
        var problems = query.filter { $0.value.unicodeScalars.contains("\0") }.map {
            FieldError(field: $0.name, message: Self.nulMessage)
        }
        let choices = queryChoices[operationID] ?? [:]
        problems += query.compactMap { item in
            guard let allowed = choices[item.name], !allowed.contains(item.value) else { return nil }
            return FieldError(field: item.name, message: "must be one of the listed values, e.g. \(allowed[0])")
        }
        // Parsed only when an escaped NUL is there at all: a plain scan costs next to nothing.
        if let bytes, Self.containsEscapedNUL(bytes), let json = Self.parse(bytes) {
            problems += Self.paths(in: json) { $0.unicodeScalars.contains("\0") }.map {
                FieldError(field: $0, message: Self.nulMessage)
            }
        }
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        do {
            return try await next(request, bytes.map { HTTPBody($0) }, metadata)
        } catch let error as ServerError {
            if let invalid = error.underlyingError as? DateTimeError {
                var fields = query.filter { $0.value == invalid.text }.map(\.name)
                if let bytes, let json = Self.parse(bytes) { fields += Self.paths(in: json) { $0 == invalid.text } }
                throw DomainError.validation(
                    (fields.isEmpty ? [""] : fields).map { FieldError(field: $0, message: Self.dateTimeMessage) })
            }
            if case DecodingError.keyNotFound? = error.underlyingError as? DecodingError, let bytes,
                let json = Self.parse(bytes), let schema = bodySchemas[operationID]
            {
                let missing = schema.missing(in: json)
                if !missing.isEmpty { throw DomainError.validation(missing.map { FieldError(field: $0, message: "is required") }) }
            }
            throw error
        }
    }

    /// Whether the JSON text has a `\u0000` escape (a backslash escaping itself does not count).
    static func containsEscapedNUL(_ bytes: ArraySlice<UInt8>) -> Bool {
        let backslash = UInt8(ascii: "\\")
        var index = bytes.startIndex
        while let found = bytes[index...].firstIndex(of: backslash) {
            var end = found
            while end < bytes.endIndex, bytes[end] == backslash { end += 1 }
            // An odd run of backslashes leaves the last one escaping what follows.
            if (end - found) % 2 == 1, bytes[end...].prefix(5).elementsEqual("u0000".utf8) { return true }
            index = end
        }
        return false
    }

    static func parse(_ bytes: ArraySlice<UInt8>) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// The paths (`address.line`, `items[2].reason`, as the decoder names fields) of every string
    /// value or key of `json` that `matches`, in document order of sorted keys.
    static func paths(in json: Any, prefix: String = "", where matches: (String) -> Bool) -> [String] {
        switch json {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { key -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                return (matches(key) ? [path] : []) + paths(in: object[key]!, prefix: path, where: matches)
            }
        case let array as [Any]:
            return array.enumerated().flatMap { paths(in: $0.element, prefix: "\(prefix)[\($0.offset)]", where: matches) }
        case let string as String:
            return matches(string) ? [prefix] : []
        default:
            return []
        }
    }

    /// The query's parameters, decoded as the generated code decodes them (`+` is a space).
    static func queryItems(of request: HTTPRequest) -> [(name: String, value: String)] {
        guard let path = request.path, let start = path.firstIndex(of: "?") else { return [] }
        return path[path.index(after: start)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decoded(parts[0]), parts.count > 1 ? decoded(parts[1]) : "")
        }
    }
}
