import Foundation
import Hummingbird
import HummingbirdTesting
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

        /// The path with its placeholders filled: `{id}` with `id`, a version `{n}` with 1.
        func path(id: String) -> String {
            path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{n}", with: "1")
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
        #expect(documented == ["getHealth", "register", "login", "refresh", "logout"])
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

    @Test("GET /metrics counts answers per operation and status, in Prometheus' text format, without ids or names")
    func metrics() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            _ = try await client.login("northside", "nurse@northside.example")
            _ = try await client.login("northside", "nurse@northside.example", password: "wrong password here")
            let answer = try await client.call(.get, "/metrics")
            #expect(answer.status == .ok)
            let text = String(decoding: answer.body, as: UTF8.self)
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

    @Test("Every answer carries an X-Request-ID: the client's when well-formed, a fresh one otherwise")
    func requestIDs() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let kept = try await client.call(.get, "/health", headers: [.init("X-Request-ID")!: "abc-123"])
            #expect(kept.headers[.init("X-Request-ID")!] == "abc-123")
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
