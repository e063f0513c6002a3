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
            "SELECT e.id::text FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = 'NS-1004' AND e.status = 'planned'"
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
            var other = patient
            other["mrn"] = "ID-2"
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
            third["mrn"] = "ID-3"
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
}
