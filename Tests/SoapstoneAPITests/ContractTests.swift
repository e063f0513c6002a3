import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneAPI
import SoapstoneTestSupport
import Testing

/// The OpenAPI document is the contract: the server serves it, and every operation in it that
/// is not documented as public refuses a request without a token.
@Suite("API contract")
struct ContractTests {
    struct Operation: Sendable, CustomTestStringConvertible {
        let id: String
        let method: String
        let path: String
        let isPublic: Bool
        var testDescription: String { "\(method.uppercased()) \(path)" }

        /// The path with its placeholders filled: `{id}` with `id`, a version `{n}` with 1, a
        /// member's `{user_id}` with `userID` (or `id` again).
        func path(id: String, userID: String? = nil) -> String {
            path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{n}", with: "1")
                .replacingOccurrences(of: "{user_id}", with: userID ?? id)
        }
    }

    static func document() throws -> [String: Any] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/SoapstoneAPI/openapi.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    }

    static func operations() throws -> [Operation] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return paths.flatMap { path, methods in
            methods.compactMap { method, value -> Operation? in
                guard let operation = value as? [String: Any], let id = operation["operationId"] as? String else { return nil }
                let security = operation["security"] as? [Any]
                return Operation(id: id, method: method, path: path, isPublic: security?.isEmpty == true)
            }
        }.sorted { $0.testDescription < $1.testDescription }
    }

    @Test("Every operation not documented as public answers 401 without a token", arguments: try operations())
    func requiresToken(operation: Operation) async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let path = operation.path(id: UUID().uuidString)
            let answer = try await client.call(
                HTTPRequest.Method(operation.method.uppercased())!, path, json: operation.method == "get" ? nil : [:])
            if operation.isPublic {
                #expect(
                    answer.status != .unauthorized || operation.id == "login" || operation.id == "refresh",
                    "\(operation.id) is public")
            } else {
                #expect(answer.status == .unauthorized, "\(operation.id) answered \(answer.status) without a token")
            }
        }
    }

    @Test("The access table in the code and the document agree on which operations are public")
    func accessTableMatchesDocument() async throws {
        let documented = Set(try Self.operations().filter(\.isPublic).map(\.id))
        #expect(documented == ["getHealth", "register", "login", "refresh", "logout", "getOpenAPIDocument"])
    }

    @Test("GET /openapi.json serves the document the server was generated from")
    func servesDocument() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let answer = try await client.call(.get, "/openapi.json")
            #expect(answer.status == .ok)
            #expect(answer.json["openapi"] as? String == "3.1.0")
            #expect(NSDictionary(dictionary: answer.json).isEqual(to: try Self.document()))
        }
    }

    @Test(
        "GET /metrics counts answers per operation and status, in Prometheus' text format, without ids or names, on its own listener"
    )
    func metrics() async throws {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = try await TestApp.make { $0.metrics = MetricsListener(port: 0, listening: { listening.yield($0) }) }
        try await app.run { client in
            _ = try await client.login("northside", "nurse@northside.example")
            _ = try await client.login("northside", "nurse@northside.example", password: "wrong password here")
            // Every tenant's counts are the operator's: nothing of them on the API's port.
            #expect(try await client.call(.get, "/metrics").status == .notFound)
            var waiting = ports.makeAsyncIterator()
            let port = try #require(await waiting.next())
            let answer = try await TestClient.withClient(host: "127.0.0.1", port: port) { metrics in
                try await metrics.execute(.init("/metrics", method: .get))
            }
            #expect(answer.status == .ok)
            let text = String(buffer: answer.body ?? ByteBuffer())
            #expect(text.contains(#"soapstone_http_requests_total{operation="login",status="200"} 1"#))
            #expect(text.contains(#"soapstone_http_requests_total{operation="login",status="401"} 1"#))
            #expect(text.contains("soapstone_http_request_duration_seconds_bucket"))
            #expect(!text.contains("northside") && !text.contains("nurse"))
            // Pool use: the tests' pool maximum, every lease given back, and waits recorded
            // (two logins: a lookup and a tenant transaction for the one that succeeded).
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains("soapstone_db_pool_max_connections 4.0"))
            #expect(lines.contains("soapstone_db_pool_connections_in_use 0.0"))
            let waits = lines.first { $0.hasPrefix("soapstone_db_pool_wait_seconds_count") }
            #expect((waits?.split(separator: " ").last.flatMap { Int($0) } ?? 0) >= 3, "\(waits ?? "no wait count")")
        }
    }

    @Test("Every answer carries the server's own X-Request-ID, whatever the client sent")
    func requestIDs() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let own = try await client.call(.get, "/health", headers: [.init("X-Request-ID")!: "abc-123"])
            #expect(UUID(uuidString: try #require(own.headers[.init("X-Request-ID")!])) != nil)
            let replaced = try await client.call(.get, "/nowhere", headers: [.init("X-Request-ID")!: "bad id with spaces"])
            let fresh = try #require(replaced.headers[.init("X-Request-ID")!])
            #expect(UUID(uuidString: fresh) != nil)
            #expect(replaced.status == .notFound)
            // Fresh ids are random (version 4, RFC 9562 variant), lowercase, and never repeat.
            var seen: Set<String> = []
            for _ in 0..<20 {
                let id = try #require(try await client.call(.get, "/health").headers[.init("X-Request-ID")!])
                let digits = Array(id)
                #expect(
                    id == id.lowercased() && UUID(uuidString: id) != nil && digits[14] == "4" && "89ab".contains(digits[19]),
                    "\(id)")
                seen.insert(id)
            }
            #expect(seen.count == 20)
        }
    }

    @Test("Bodies over 1 MiB answer 413; malformed JSON 400; unknown fields 422; never a 500")
    func badBodies() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let big = try await client.execute(
                uri: "/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
            ) { $0.status }
            #expect(big == .contentTooLarge)
            let malformed = try await client.execute(
                uri: "/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{nope")
            ) { $0.status }
            #expect(malformed == .badRequest)
            let unknown = try await client.call(
                .post, "/v1/auth/login", json: ["tenant": "x", "email": "y", "password": "z", "role": "admin"])
            #expect(unknown.status == .unprocessableContent)
            #expect((unknown.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "role")
            let missing = try await client.call(.post, "/v1/auth/login", json: ["tenant": "x"])
            #expect(missing.status == .unprocessableContent)
            let wrongType = try await client.call(.post, "/v1/auth/login", json: ["tenant": 5, "email": "y", "password": "z"])
            #expect(wrongType.status == .unprocessableContent)
            let text = try await client.execute(
                uri: "/v1/auth/login", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "hello")
            ) { $0.status }
            #expect(text == .badRequest)
        }
    }
}

/// What the document says of each answer holds of the answer, byte for byte where it should.
@Suite("API contract: answers")
struct AnswerShapeTests {
    /// The properties `schema` lists, `$ref`s followed.
    static func properties(of schema: [String: Any], in document: [String: Any]) -> [String: [String: Any]] {
        resolve(schema, in: document)["properties"] as? [String: [String: Any]] ?? [:]
    }

    static func resolve(_ schema: [String: Any], in document: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        let name = String(ref.split(separator: "/").last!)
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        return resolve(schemas?[name] as? [String: Any] ?? [:], in: document)
    }

    /// Every object in `value` has every key its schema requires (null where empty, if it may be
    /// null) and none it does not list. Answers the paths that differ.
    static func mismatches(_ value: Any, _ schema: [String: Any], in document: [String: Any], at path: String = "") -> [String] {
        let schema = resolve(schema, in: document)
        switch value {
        case let object as [String: Any]:
            guard let properties = schema["properties"] as? [String: [String: Any]] else { return [] }
            var found: [String] = []
            let required = Set(schema["required"] as? [String] ?? [])
            let actual = Set(object.keys)
            if !required.isSubset(of: actual) || !actual.isSubset(of: Set(properties.keys)) {
                found.append(
                    "\(path): missing \(required.subtracting(actual).sorted()), extra \(actual.subtracting(properties.keys).sorted())")
            }
            for (key, child) in object where !(child is NSNull) {
                if let childSchema = properties[key] {
                    found += mismatches(child, childSchema, in: document, at: "\(path).\(key)")
                }
            }
            return found
        case let array as [Any]:
            let items = schema["items"] as? [String: Any] ?? [:]
            return array.enumerated().flatMap { mismatches($0.element, items, in: document, at: "\(path)[\($0.offset)]") }
        default:
            return []
        }
    }

    /// The 200 or 201 schema of `method path` in the document.
    static func answerSchema(_ method: String, _ path: String, in document: [String: Any]) throws -> [String: Any] {
        let operation = try #require(((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method] as? [String: Any])
        let responses = try #require(operation["responses"] as? [String: Any])
        let success = try #require((responses["200"] ?? responses["201"]) as? [String: Any])
        let json = try #require((success["content"] as? [String: Any])?["application/json"] as? [String: Any])
        return try #require(json["schema"] as? [String: Any])
    }

    @Test("Every answer writes each property its schema requires, null where empty, and nothing undocumented")
    func everyPropertyWritten() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let document = try ContractTests.document()
            let physician = try await client.token("physician")
            let patient = try #require(
                try await client.call(
                    .post, "/v1/patients",
                    json: ["mrn": "NS-8001", "given_name": "Ada", "family_name": "Quinn", "birth_date": "1980-01-01", "sex": "female"],
                    token: physician
                ).json["id"] as? String)
            let encounter = try #require(
                try await client.call(.post, "/v1/patients/\(patient)/encounters", json: ["type": "phone"], token: physician)
                    .json["id"] as? String)
            let note = try await NoteTests.draft(client, encounter: encounter, token: physician)
            let reads: [(String, String, String, String?)] = [
                ("get", "/v1/patients", "/v1/patients?q=quinn", physician),
                ("get", "/v1/patients/{id}", "/v1/patients/\(patient)", physician),
                ("get", "/v1/patients/{id}/encounters", "/v1/patients/\(patient)/encounters", physician),
                ("get", "/v1/encounters/{id}", "/v1/encounters/\(encounter)", physician),
                ("get", "/v1/encounters/{id}/notes", "/v1/encounters/\(encounter)/notes", physician),
                ("get", "/v1/notes/{id}", "/v1/notes/\(note)", physician),
                ("get", "/v1/notes/{id}/versions", "/v1/notes/\(note)/versions", physician),
                ("get", "/v1/notes/{id}/versions/{n}", "/v1/notes/\(note)/versions/1", physician),
                ("get", "/v1/users", "/v1/users", try await client.token("admin")),
                ("get", "/v1/audit-events", "/v1/audit-events?limit=200", try await client.token("auditor")),
                ("get", "/v1/patients/{id}/access-report", "/v1/patients/\(patient)/access-report", try await client.token("auditor")),
                ("get", "/v1/patients/{id}/care-team", "/v1/patients/\(patient)/care-team", physician),
            ]
            for (method, template, uri, token) in reads {
                let answer = try await client.call(HTTPRequest.Method(method.uppercased())!, uri, token: token)
                #expect(answer.status == .ok, "\(uri)")
                let body = try JSONSerialization.jsonObject(with: answer.body, options: [.fragmentsAllowed])
                let found = Self.mismatches(body, try Self.answerSchema(method, template, in: document), in: document)
                #expect(found.isEmpty, "\(method.uppercased()) \(template): \(found)")
            }
            // The empty values this test relies on are there, as null.
            let read = try await client.call(.get, "/v1/patients/\(patient)", token: physician)
            #expect(read.json["phone"] is NSNull)
            #expect(try await client.call(.get, "/v1/patients?q=quinn", token: physician).json["next_cursor"] is NSNull)
        }
    }

    @Test("An immutable note version is the same bytes every time, keys sorted")
    func stableBytes() async throws {
        let app = try await TestApp.make()
        let version = try await app.db.value(
            """
            SELECT v.note_id::text || '/versions/' || v.version FROM note_versions v JOIN tenants t ON t.tenant_id = v.tenant_id
             WHERE t.slug = 'northside' AND v.reason IS NOT NULL LIMIT 1
            """)
        try await app.run { client in
            let physician = try await client.token("physician")
            var bodies: Set<Data> = []
            for _ in 0..<20 {
                let answer = try await client.call(.get, "/v1/notes/\(version)", token: physician)
                #expect(answer.status == .ok)
                bodies.insert(answer.body)
            }
            #expect(bodies.count == 1)
            let text = String(decoding: try #require(bodies.first), as: UTF8.self)
            let keys = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]).keys.sorted()
            let positions = keys.map { text.range(of: "\"\($0)\":")!.lowerBound }
            #expect(positions == positions.sorted(), "keys in order: \(text)")
        }
    }

    @Test("A documented path asked with a method it lacks answers 405 with Allow; an unknown path 404")
    func methodNotAllowed() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.trace, "/v1/users", "GET, POST"),
                (.delete, "/v1/patients/\(UUID().uuidString)", "GET, PATCH"),
                (.get, "/v1/patients/search", "POST"),
                (.post, "/health", "GET"),
            ]
            for (method, uri, allowed) in cases {
                let answer = try await client.call(method, uri)
                #expect(answer.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(answer.headers[.allow] == allowed, "\(method) \(uri)")
                #expect(answer.problemType == "method-not-allowed")
            }
            #expect(try await client.call(.trace, "/v1/nowhere").status == .notFound)
        }
    }

    @Test("A version number below 1, or one that is not a number, is 422")
    func versionNumbers() async throws {
        let app = try await TestApp.make()
        let note = try await app.db.value("SELECT id::text FROM notes LIMIT 1")
        try await app.run { client in
            let physician = try await client.token("physician")
            let zero = try await client.call(.get, "/v1/notes/\(note)/versions/0", token: physician)
            #expect(zero.status == .unprocessableContent)
            #expect((zero.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "n")
            #expect(
                try await client.call(.get, "/v1/notes/\(note)/versions/null", token: physician).status == .unprocessableContent)
        }
    }
}
