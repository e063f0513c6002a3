import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

/// What no field may carry (U+0000, which PostgreSQL's text cannot hold) and values the
/// decoder cannot take are refused with 422 naming the field, for every operation; bytes that
/// are not JSON are a 400; never a 500, and nothing stored changes.
@Suite("Text integrity")
struct TextIntegrityTests {
    static func fields(_ answer: Answer) -> [String] {
        ((answer.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    }

    @Test("A NUL in a patient's name or address is 422 naming each field; nothing is stored")
    func nulInPatient() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let answer = try await client.call(
                .post, "/v1/patients",
                json: [
                    "mrn": "NS-7001", "given_name": "a\u{0}b", "family_name": "Quinn", "birth_date": "1980-01-01",
                    "sex": "female", "address": ["line": "1 Main\u{0} St"],
                ], token: nurse)
            #expect(answer.status == .unprocessableContent)
            #expect(Self.fields(answer) == ["address.line", "given_name"])
            // A backslash before u0000 is text, not a NUL: stored as sent.
            let literal = try await client.call(
                .post, "/v1/patients",
                json: ["mrn": "NS-7002", "given_name": "a\\u0000b", "family_name": "Quinn", "birth_date": "1980-01-01", "sex": "female"],
                token: nurse)
            #expect(literal.status == .created)
            #expect(literal.json["given_name"] as? String == "a\\u0000b")
        }
        #expect(try await app.db.strings("SELECT mrn FROM patients WHERE mrn LIKE 'NS-700%'") == ["NS-7002"])
    }

    @Test("A NUL in any SOAP section, a reason or a search is 422 naming the field; the note stays as it was")
    func nulInNotesReasonsAndQueries() async throws {
        let app = try await TestApp.make()
        let encounter = try await NoteTests.encounterID(app)
        try await app.run { client in
            let physician = try await client.token("physician")
            let sections = ["subjective", "objective", "assessment", "plan"]
            let created = try await client.call(
                .post, "/v1/encounters/\(encounter)/notes",
                json: Dictionary(uniqueKeysWithValues: sections.map { ($0, "x\u{0}") }), token: physician)
            #expect(created.status == .unprocessableContent)
            #expect(Self.fields(created) == sections.sorted())

            let note = try await NoteTests.draft(client, encounter: encounter, token: physician)
            let withdrawn = try await client.call(
                .post, "/v1/notes/\(note)/entered-in-error", json: ["reason": "wrong\u{0}patient"], token: physician)
            #expect(withdrawn.status == .unprocessableContent)
            #expect(Self.fields(withdrawn) == ["reason"])
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: physician).json["status"] as? String == "draft")

            let search = try await client.call(.get, "/v1/patients?q=ha%00rt", token: physician)
            #expect(search.status == .unprocessableContent)
            #expect(Self.fields(search) == ["q"])
        }
    }

    @Test("Lone surrogates and bytes that are not UTF-8 are 400; never a 500")
    func invalidUnicode() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let bodies: [ByteBuffer] = [
                ByteBuffer(string: #"{"mrn":"NS-7003","given_name":"a\ud800b","family_name":"Q","birth_date":"1980-01-01","sex":"male"}"#),
                ByteBuffer(string: #"{"mrn":"NS-7003","given_name":"\udc00","family_name":"Q","birth_date":"1980-01-01","sex":"male"}"#),
                ByteBuffer(bytes: Array(#"{"mrn":"NS-7003","given_name":""#.utf8) + [0xFF, 0xFE] + Array(#"","family_name":"Q","birth_date":"1980-01-01","sex":"male"}"#.utf8)),
            ]
            for body in bodies {
                let status = try await client.execute(
                    uri: "/v1/patients", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(nurse)"], body: body
                ) { $0.status }
                #expect(status == .badRequest)
            }
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn = 'NS-7003'") == ["0"])
    }

    @Test("Any RFC 3339 date-time is read on the Gregorian calendar and kept; one that is not is 422 naming the field")
    func dateTimes() async throws {
        let app = try await TestApp.make()
        let patient = try await EncounterTests.patientID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let cases: [(sent: String, stored: String)] = [
                ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00Z"),
                ("2026-11-25T14:26:11.250Z", "2026-11-25T14:26:11Z"),
                ("2026-11-25T15:26:11+01:00", "2026-11-25T14:26:11Z"),
                ("2024-02-29t14:26:11z", "2024-02-29T14:26:11Z"),
            ]
            for (sent, stored) in cases {
                let created = try await client.call(
                    .post, "/v1/patients/\(patient)/encounters",
                    json: ["type": "in_person", "status": "planned", "started_at": sent, "reason": NSNull()], token: nurse)
                #expect(created.status == .created, "\(sent)")
                #expect(created.json["started_at"] as? String == stored, "\(sent)")
            }
            for wrong in ["2026-02-30T10:00:00Z", "2026-11-25 14:26:11", "yesterday", "2026-11-25T24:00:00Z"] {
                let refused = try await client.call(
                    .post, "/v1/patients/\(patient)/encounters",
                    json: ["type": "in_person", "status": "planned", "started_at": wrong], token: nurse)
                #expect(refused.status == .unprocessableContent, "\(wrong)")
                #expect(Self.fields(refused) == ["started_at"], "\(wrong)")
            }
            let filtered = try await client.call(
                .get, "/v1/audit-events?from=2026-11-25T14:26:11.123Z", token: try await client.token("auditor"))
            #expect(filtered.status == .ok)
        }
    }
}
