import Foundation

/// The OpenAPI document the server was generated from, served as it is.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url)
        else {
            preconditionFailure("openapi.json is missing from the SoapstoneAPI bundle")
        }
        return data
    }()
}

/// The parts of the OpenAPI document the server reads itself, beside the generated code: each
/// path's operations (for 405 answers) and the schemas (for the checks of bodies and queries).
/// A document of another shape is an error at start-up: read with defaults, it would quietly
/// leave those checks with nothing to check.
struct OpenAPIOutline {
    /// Each path's operations by method (lowercase, as the document writes them).
    let paths: [String: [String: [String: Any]]]
    /// `components.schemas`, for `$ref`s.
    let schemas: [String: Any]

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    init(_ document: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: document) as? [String: Any] else {
            throw OpenAPIOutlineError("the document is not a JSON object")
        }
        guard let paths = root["paths"] as? [String: [String: Any]], !paths.isEmpty else {
            throw OpenAPIOutlineError("the document has no paths")
        }
        guard let schemas = (root["components"] as? [String: Any])?["schemas"] as? [String: Any] else {
            throw OpenAPIOutlineError("the document has no components.schemas")
        }
        var operations: [String: [String: [String: Any]]] = [:]
        for (path, item) in paths {
            for (method, operation) in item where Self.methods.contains(method) {
                guard let operation = operation as? [String: Any], operation["operationId"] is String else {
                    throw OpenAPIOutlineError("\(method.uppercased()) \(path) is not an operation with an operationId")
                }
                operations[path, default: [:]][method] = operation
            }
        }
        self.paths = operations
        self.schemas = schemas
    }

    /// Every operation, with its operationId.
    var operations: [(id: String, operation: [String: Any])] {
        paths.values.flatMap { $0.values }.map { ($0["operationId"] as! String, $0) }
    }
}

struct OpenAPIOutlineError: Error, CustomStringConvertible {
    let description: String
    init(_ reason: String) { description = "openapi.json cannot be read: \(reason)" }
}
