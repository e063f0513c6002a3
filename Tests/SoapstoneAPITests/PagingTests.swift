import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

/// No answer grows with the data behind it: every list is paged, and a note's versions are
/// listed without their sections. (Sixty saves of 800 KB made the version list answer 48 MB,
/// and six of those at once took the server from 72 MB to 644 MB.)
@Suite("Paging")
struct PagingTests {
    /// Every operation of the document that answers `{items, next_cursor}`.
    static func lists() throws -> [String] {
        let document = try ContractTests.document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return paths.values.flatMap { methods in
            methods.values.compactMap { value -> String? in
                guard let operation = value as? [String: Any], let id = operation["operationId"] as? String,
                    let ok = (operation["responses"] as? [String: Any])?["200"] as? [String: Any],
                    let ref = ((((ok["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                        as? [String: Any])?["$ref"] as? String),
                    let schema = schemas[String(ref.split(separator: "/").last!)] as? [String: Any],
                    let properties = schema["properties"] as? [String: Any], properties["items"] != nil
                else { return nil }
                return id
            }
        }.sorted()
    }

    @Test("Every list of the document takes a limit (default at most 50, maximum at most 200) and a cursor", arguments: try lists())
    func everyListIsPaged(_ operationID: String) throws {
        let document = try ContractTests.document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let operation = try #require(
            paths.values.flatMap { $0.values.compactMap { $0 as? [String: Any] } }.first { $0["operationId"] as? String == operationID })
        // The limit and cursor are query parameters, or properties of the body the list is
        // asked with (the patient search, which keeps names out of URLs).
        var fields: [String: [String: Any]] = [:]
        for parameter in (operation["parameters"] as? [[String: Any]]) ?? [] {
            if let name = parameter["name"] as? String { fields[name] = parameter["schema"] as? [String: Any] ?? [:] }
        }
        if let body = (((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
            as? [String: Any])?["schema"] as? [String: Any], let ref = body["$ref"] as? String,
            let schema = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[
                String(ref.split(separator: "/").last!)] as? [String: Any]
        {
            for (name, property) in schema["properties"] as? [String: [String: Any]] ?? [:] { fields[name] = property }
        }
        let limit = try #require(fields["limit"], "\(operationID) takes no limit")
        #expect((limit["default"] as? Int ?? .max) <= 50, "\(operationID)")
        #expect((limit["maximum"] as? Int ?? .max) <= 200, "\(operationID)")
        #expect(fields["cursor"] != nil, "\(operationID) takes no cursor")
    }

    @Test("A note's versions page by number, without their sections; one is read whole; every version stays")
    func versionsArePaged() async throws {
        let app = try await TestApp.make()
        let encounter = try await NoteTests.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let id = try await NoteTests.draft(client, encounter: encounter, token: nurse)
            for version in 1...4 {
                let saved = try await client.call(
                    .put, "/v1/notes/\(id)", json: NoteTests.content("v\(version + 1)"), token: nurse,
                    headers: [.ifMatch: "\"\(version)\""])
                #expect(saved.status == .ok)
            }
            var numbers: [Int] = []
            var cursor: String?
            repeat {
                let page = try await client.call(
                    .get, "/v1/notes/\(id)/versions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: nurse)
                #expect(page.status == .ok)
                let items = (page.json["items"] as? [[String: Any]]) ?? []
                #expect(items.count <= 2)
                for item in items {
                    #expect(Set(item.keys) == ["note_id", "version", "author_id", "reason", "created_at", "sha256", "unresolved_conflict"])
                }
                numbers += items.compactMap { $0["version"] as? Int }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && numbers.count < 20
            #expect(numbers == [1, 2, 3, 4, 5])
            let third = try await client.call(.get, "/v1/notes/\(id)/versions/3", token: nurse)
            #expect(third.json["subjective"] as? String == "S v3")
            for limit in ["0", "201"] {
                let refused = try await client.call(.get, "/v1/notes/\(id)/versions?limit=\(limit)", token: nurse)
                #expect(refused.status == .unprocessableContent)
                #expect(((refused.json["errors"] as? [[String: Any]])?.first?["field"] as? String) == "limit")
            }
            #expect(
                try await client.call(.get, "/v1/notes/\(id)/versions?cursor=not-a-cursor", token: nurse).status
                    == .unprocessableContent)
        }
    }

    @Test("Users, staff, encounters and notes page too: every item once, in order, none twice", arguments: [
        "users", "staff", "encounters", "notes",
    ])
    func listsWalkEveryItemOnce(_ list: String) async throws {
        let app = try await TestApp.make()
        let patient = try await app.db.value(
            "SELECT p.id::text FROM patients p JOIN encounters e ON e.tenant_id = p.tenant_id AND e.patient_id = p.id JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'northside' GROUP BY p.id ORDER BY count(*) DESC LIMIT 1")
        let encounter = try await NoteTests.encounterID(app)
        try await app.run { client in
            let path =
                switch list {
                case "users": "/v1/users"
                case "staff": "/v1/staff"
                case "encounters": "/v1/patients/\(patient)/encounters"
                default: "/v1/encounters/\(encounter)/notes"
                }
            let token = try await client.token(list == "users" ? "admin" : "nurse")
            for _ in 0..<3 {
                if list == "notes" { _ = try await NoteTests.draft(client, encounter: encounter, token: token) }
                if list == "encounters" {
                    let created = try await client.call(
                        .post, "/v1/patients/\(patient)/encounters", json: ["type": "phone"], token: token)
                    #expect(created.status == .created)
                }
            }
            var ids: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(.get, path + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                #expect(page.status == .ok, "\(list): \(page.status)")
                let items = (page.json["items"] as? [[String: Any]]) ?? []
                #expect(items.count <= 2)
                ids += items.compactMap { $0["id"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && ids.count < 100
            let whole = try await client.call(.get, path + "?limit=200", token: token)
            let all = ((whole.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            #expect(ids == all, "\(list): the pages in order are the whole list")
            #expect(Set(ids).count == ids.count && ids.count >= 3, "\(list): \(ids.count)")
        }
    }

    @Test("A note section over 100 000 characters is a 422 naming the section, before any work; at the limit it is stored")
    func sectionLimit() async throws {
        let app = try await TestApp.make()
        let encounter = try await NoteTests.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            var content = NoteTests.content("limit")
            content["plan"] = String(repeating: "é", count: 100_000)  // 200 000 bytes
            let stored = try await client.call(.post, "/v1/encounters/\(encounter)/notes", json: content, token: nurse)
            #expect(stored.status == .created)
            let id = try #require(stored.json["id"] as? String)
            content["objective"] = String(repeating: "é", count: 100_000) + "x"
            let refused = try await client.call(.put, "/v1/notes/\(id)", json: content, token: nurse, headers: [.ifMatch: "\"1\""])
            #expect(refused.status == .unprocessableContent)
            #expect(((refused.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["objective"])
            #expect(try await client.call(.get, "/v1/notes/\(id)", token: nurse).json["version"] as? Int == 1)
        }
    }
}
