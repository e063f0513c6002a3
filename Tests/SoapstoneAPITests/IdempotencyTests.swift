import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@Suite("Idempotency")
struct IdempotencyTests {
    static func key(_ value: String) -> HTTPFields { [.init("Idempotency-Key")!: value] }

    @Test("The same key and body answer with the first record, without a duplicate; another body with the key is 422")
    func replays() async throws {
        let app = try await TestApp.make()
        let encounter = try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN patients p ON p.tenant_id = e.tenant_id AND p.id = e.patient_id WHERE p.mrn = 'NS-1004' AND e.status = 'planned'"
        )
        try await app.run { client in
            let physician = try await client.token("physician")
            let patient: [String: Any] = [
                "mrn": "ID-1", "given_name": "Ida", "family_name": "Empotent", "birth_date": "1980-05-05", "sex": "female",
            ]
            let first = try await client.call(.post, "/v1/patients", json: patient, token: physician, headers: Self.key("k-1"))
            let again = try await client.call(.post, "/v1/patients", json: patient, token: physician, headers: Self.key("k-1"))
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            // Other people (the same name and birth date would be a possible duplicate).
            var other = patient
            (other["mrn"], other["given_name"]) = ("ID-2", "Ina")
            let misuse = try await client.call(.post, "/v1/patients", json: other, token: physician, headers: Self.key("k-1"))
            #expect(misuse.status == .unprocessableContent)
            // Another user's key space is their own.
            let nurse = try await client.token("nurse")
            #expect(
                try await client.call(.post, "/v1/patients", json: other, token: nurse, headers: Self.key("k-1")).status
                    == .created)

            let note = ["subjective": "s", "objective": "o", "assessment": "a", "plan": "p"]
            let statuses = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await client.call(
                            .post, "/v1/encounters/\(encounter)/notes", json: note, token: physician, headers: Self.key("n-1")
                        ).json["id"] as? String
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(statuses.count == 1 && statuses.first! != nil, "five simultaneous retries, one note")

            // After 24 hours the key is free again.
            _ = try await app.db.strings("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-1'")
            var third = patient
            (third["mrn"], third["given_name"]) = ("ID-3", "Ines")
            #expect(
                try await client.call(.post, "/v1/patients", json: third, token: physician, headers: Self.key("k-1")).status
                    == .created)
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn LIKE 'ID-%'") == ["3"])
        #expect(
            try await app.db.strings(
                "SELECT count(*)::text FROM audit_events WHERE action = 'patient.create' AND detail->>'source' IS NULL") == ["3"])
        #expect(try await app.db.strings("SELECT count(*)::text FROM notes WHERE encounter_id = '\(encounter)'") == ["1"])
        // Every replay is audited as the read it is: one of the patient, four of the note.
        #expect(
            try await app.db.strings(
                "SELECT action || ':' || count(*) FROM audit_events WHERE detail->>'idempotent_replay' = 'true' GROUP BY action ORDER BY 1"
            ) == ["note.read:4", "patient.read:1"])
    }

    /// One operation of the document that answers 201: its path, whether it takes an
    /// Idempotency-Key, the body it shows as its example, and the record it creates.
    struct Create: Sendable, CustomTestStringConvertible {
        let id: String
        let path: String
        let takesKey: Bool
        let description: String
        let exampleJSON: Data?
        let createdSchema: String?

        var testDescription: String { id }

        static func all() throws -> [Create] {
            let document = try ContractTests.document()
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            return paths.flatMap { path, methods in
                methods.compactMap { _, value -> Create? in
                    guard let operation = value as? [String: Any], let id = operation["operationId"] as? String,
                        let responses = operation["responses"] as? [String: Any], let created = responses["201"] as? [String: Any]
                    else { return nil }
                    let parameters = (operation["parameters"] as? [[String: Any]]) ?? []
                    let media = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
                        as? [String: Any]
                    let schema = (((created["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                        as? [String: Any])?["$ref"] as? String
                    return Create(
                        id: id, path: path, takesKey: parameters.contains { $0["name"] as? String == "Idempotency-Key" },
                        description: operation["description"] as? String ?? "",
                        exampleJSON: try? media?["example"].map { try JSONSerialization.data(withJSONObject: $0) },
                        createdSchema: schema?.split(separator: "/").last.map(String.init))
                }
            }.sorted { $0.id < $1.id }
        }
    }

    /// Every 201 of the document either takes an Idempotency-Key or says why it needs none
    /// (sign-up and user creation: a unique slug or email makes a retry a 409). Each that takes
    /// one is sent twice with one key, with its documented example, and makes one record.
    @Test("Every creating operation replays a repeated Idempotency-Key: one record, the same answer", arguments: try Create.all())
    func everyCreateHonoursTheKey(_ create: Create) async throws {
        guard create.takesKey else {
            #expect(create.description.contains("Takes no Idempotency-Key"), "\(create.id) documents neither the header nor why not")
            return
        }
        let body = try #require(create.exampleJSON, "\(create.id) shows no example body")
        let record = try #require(create.createdSchema, "\(create.id) documents no created record")
        // The record's table, and the parent the path names by the segment before {id}.
        let table = record.lowercased() + "s"
        let app = try await TestApp.make()
        var path = create.path
        if let range = path.range(of: "{id}") {
            let parent = path[..<range.lowerBound].split(separator: "/").last.map(String.init) ?? ""
            let id = try await app.db.value(
                "SELECT x.id::text FROM \(parent) x JOIN tenants t ON t.id = x.tenant_id WHERE t.slug = 'northside' ORDER BY x.id LIMIT 1")
            path.replaceSubrange(range, with: id)
        }
        let before = try await app.db.value("SELECT count(*)::text FROM \(table)")
        let target = path
        try await app.run { client in
            let physician = try await client.token("physician")
            let json = try JSONSerialization.jsonObject(with: body)
            let first = try await client.call(.post, target, json: json, token: physician, headers: Self.key("generated"))
            let again = try await client.call(.post, target, json: json, token: physician, headers: Self.key("generated"))
            #expect(first.status == .created, "\(create.id): \(first.status) \(String(decoding: first.body, as: UTF8.self))")
            #expect(again.status == .created)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
        }
        let after = try await app.db.value("SELECT count(*)::text FROM \(table)")
        #expect(Int(after) == Int(before)! + 1, "\(create.id) made \(Int(after)! - Int(before)!) records of \(table)")
    }
}
