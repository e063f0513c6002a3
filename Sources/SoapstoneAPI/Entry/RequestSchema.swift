import Foundation

/// What an operation's JSON body must hold, as the OpenAPI document says: the required
/// properties of each object, nested objects included. The decoder reports only the first
/// missing one; this finds them all.
struct RequestSchema: Sendable {
    let required: [String]
    let properties: [String: RequestSchema]

    /// Each operation's request body schema by operationId.
    static func bodies(of document: Data) throws -> [String: RequestSchema] {
        let outline = try OpenAPIOutline(document)
        var bodies: [String: RequestSchema] = [:]
        for (id, operation) in outline.operations {
            guard let body = operation["requestBody"] else { continue }
            guard let content = (body as? [String: Any])?["content"] as? [String: Any],
                let json = (content["application/json"] as? [String: Any])?["schema"] as? [String: Any]
            else { throw OpenAPIOutlineError("\(id) has a request body without a JSON schema") }
            bodies[id] = RequestSchema(json, schemas: outline.schemas, depth: 0)
        }
        return bodies
    }

    /// Each operation's query parameters whose schema is an enum, or an array of one (each
    /// repetition of the parameter is one of the list), with their values.
    static func queryChoices(of document: Data) throws -> [String: [String: [String]]] {
        let outline = try OpenAPIOutline(document)
        let schemas = outline.schemas
        func resolved(_ schema: [String: Any]) -> [String: Any] {
            guard let ref = schema["$ref"] as? String, let type = ref.split(separator: "/").last,
                let found = schemas[String(type)] as? [String: Any]
            else { return schema }
            return found
        }
        var choices: [String: [String: [String]]] = [:]
        for (id, operation) in outline.operations {
            for case let parameter as [String: Any] in operation["parameters"] as? [Any] ?? [] {
                guard parameter["in"] as? String == "query", let name = parameter["name"] as? String,
                    var schema = (parameter["schema"] as? [String: Any]).map(resolved)
                else { continue }
                if schema["type"] as? String == "array", let items = schema["items"] as? [String: Any] {
                    schema = resolved(items)
                }
                if let values = schema["enum"] as? [String] { choices[id, default: [:]][name] = values }
            }
        }
        return choices
    }

    init(_ schema: [String: Any], schemas: [String: Any], depth: Int) {
        var schema = schema
        if let ref = schema["$ref"] as? String, let name = ref.split(separator: "/").last,
            let resolved = schemas[String(name)] as? [String: Any]
        {
            schema = resolved
        }
        required = schema["required"] as? [String] ?? []
        // Deep enough for the API's bodies; a recursive schema stops here.
        guard depth < 8 else {
            properties = [:]
            return
        }
        properties = (schema["properties"] as? [String: [String: Any]] ?? [:]).mapValues {
            RequestSchema($0, schemas: schemas, depth: depth + 1)
        }
    }

    /// The paths (`admin.email`) of every required property `json` lacks, in the document's order.
    func missing(in json: Any, prefix: String = "") -> [String] {
        guard let object = json as? [String: Any] else { return [] }
        let path = { (key: String) in prefix.isEmpty ? key : "\(prefix).\(key)" }
        var found = required.filter { object[$0] == nil }.map(path)
        for (key, property) in properties.sorted(by: { $0.key < $1.key }) {
            if let value = object[key] { found += property.missing(in: value, prefix: path(key)) }
        }
        return found
    }
}
