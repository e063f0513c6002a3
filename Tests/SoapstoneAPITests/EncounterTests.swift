import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@Suite("Encounters")
struct EncounterTests {
    static func patientID(_ app: TestApp, mrn: String = "NS-1004") async throws -> String {
        try await app.db.value("SELECT id::text FROM patients WHERE mrn = '\(mrn)'")
    }

    @Test("A planned encounter is planned for a time; started, its clock starts then, not at the plan")
    func plannedTime() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patientID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let planned = try await client.call(
                .post, "/v1/patients/\(patient)/encounters",
                json: ["type": "in_person", "status": "planned", "started_at": "2031-03-04T09:30:00Z"], token: nurse)
            #expect(planned.json["started_at"] as? String == "2031-03-04T09:30:00Z")
            let id = try #require(planned.json["id"] as? String)
            let started = try await client.call(.patch, "/v1/encounters/\(id)", json: ["status": "in_progress"], token: nurse)
            let startedAt = try #require((started.json["started_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(startedAt.timeIntervalSince(app.clock.now)) < 1, "the start, not the plan")
        }
    }

    @Test("An encounter says how many of its notes are unsigned drafts, so finishing it can warn")
    func draftNotesCounted() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patientID(app)
        try await app.run { client in
            let physician = try await client.token("physician")
            let encounter = try await client.call(
                .post, "/v1/patients/\(patient)/encounters", json: ["type": "in_person", "status": "in_progress"],
                token: physician)
            #expect(encounter.json["draft_notes"] as? Int == 0)
            let id = try #require(encounter.json["id"] as? String)
            let empty = ["subjective": "", "objective": "", "assessment": "", "plan": ""]
            let note = try await client.call(.post, "/v1/encounters/\(id)/notes", json: empty, token: physician)
            _ = try await client.call(.post, "/v1/encounters/\(id)/notes", json: empty, token: physician)
            #expect(try await client.call(.get, "/v1/encounters/\(id)", token: physician).json["draft_notes"] as? Int == 2)
            let list = try await client.call(.get, "/v1/patients/\(patient)/encounters", token: physician)
            let listed = ((list.json["items"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == id }
            #expect(listed?["draft_notes"] as? Int == 2)
            let noteID = try #require(note.json["id"] as? String)
            var content = empty
            content["subjective"] = "Cough"
            _ = try await client.call(
                .put, "/v1/notes/\(noteID)", json: content, token: physician, headers: [.ifMatch: "\"1\""])
            let signed = try await client.call(
                .post, "/v1/notes/\(noteID)/sign", token: physician, headers: [.ifMatch: "\"2\""])
            #expect(signed.status == .ok)
            let finished = try await client.call(.patch, "/v1/encounters/\(id)", json: ["status": "finished"], token: physician)
            #expect(finished.json["draft_notes"] as? Int == 1)
            // The front desk, who may finish an encounter but reads no notes, is warned the same.
            let desk = try await client.token("frontdesk")
            #expect(try await client.call(.get, "/v1/encounters/\(id)", token: desk).json["draft_notes"] as? Int == 1)
        }
    }

    @Test("Plan an encounter, list it, read it, start and finish it; the clock starts and stops with the status; all audited")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patientID(app)
        let physicianID = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'")
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let created = try await client.call(
                .post, "/v1/patients/\(patient)/encounters",
                json: ["type": "telemedicine", "reason": "Cough", "attending_user_id": physicianID], token: nurse)
            #expect(created.status == .created)
            #expect(created.json["status"] as? String == "planned")
            let id = try #require(created.json["id"] as? String)

            let list = try await client.call(.get, "/v1/patients/\(patient)/encounters", token: nurse)
            #expect(((list.json["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == id })
            #expect(try await client.call(.get, "/v1/encounters/\(id)", token: nurse).json["reason"] as? String == "Cough")

            let started = try await client.call(.patch, "/v1/encounters/\(id)", json: ["status": "in_progress"], token: nurse)
            #expect(started.status == .ok)
            #expect(started.json["started_at"] as? String != nil)
            let finished = try await client.call(.patch, "/v1/encounters/\(id)", json: ["status": "finished"], token: nurse)
            #expect(finished.json["status"] as? String == "finished")
            #expect(finished.json["ended_at"] as? String != nil)
        }
        let events = try await app.db.strings(
            "SELECT action || coalesce(':' || (detail->>'status'), '') FROM audit_events WHERE entity_type = 'encounter' AND detail->>'source' IS NULL ORDER BY occurred_at, action"
        )
        #expect(
            events == [
                "encounter.create", "encounter.list", "encounter.read", "encounter.update:planned->in_progress",
                "encounter.update:in_progress->finished",
            ])
    }

    static let transitions: [(from: String, to: String, allowed: Bool)] = {
        let all = ["planned", "in_progress", "finished", "cancelled", "entered_in_error"]
        let allowed: Set<String> = [
            "planned>in_progress", "in_progress>finished", "planned>cancelled", "in_progress>cancelled",
            "planned>entered_in_error", "in_progress>entered_in_error", "finished>entered_in_error", "cancelled>entered_in_error",
        ]
        return all.flatMap { from in all.filter { $0 != from }.map { (from, $0, allowed.contains("\(from)>\($0)")) } }
    }()

    @Test("Each status transition is allowed or refused as docs/design.md says", arguments: transitions)
    func transition(from: String, to: String, allowed: Bool) async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patientID(app)
        // Put an encounter in `from` directly, then ask the API to move it.
        let id = UUID().uuidString.lowercased()
        _ = try await app.db.strings(
            """
            INSERT INTO encounters (id, tenant_id, patient_id, type, status, started_at)
            SELECT '\(id)', tenant_id, id, 'phone', '\(from)', now() - interval '1 hour' FROM patients WHERE id = '\(patient)'
            """)
        try await app.run { client in
            let body = to == "entered_in_error" ? ["status": to, "status_reason": "Opened in error"] : ["status": to]
            let answer = try await client.call(
                .patch, "/v1/encounters/\(id)", json: body, token: try await client.token("physician"))
            #expect(answer.status == (allowed ? .ok : .conflict), "\(from) → \(to)")
        }
        let now = try await app.db.strings("SELECT status FROM encounters WHERE id = '\(id)'")
        #expect(now == [allowed ? to : from])
    }

    @Test("Another organisation's encounter or patient answers like a missing one, and stays unchanged")
    func otherTenant() async throws {
        let app = try await TestApp.make()
        let foreignPatient = try await Self.patientID(app, mrn: "LV-2001")
        let foreignEncounter = try #require(
            try await app.db.strings("SELECT id::text FROM encounters WHERE patient_id = '\(foreignPatient)' LIMIT 1").first
                ?? nil)
        let before = try await app.db.strings(
            "SELECT count(*)::text || max(updated_at)::text FROM encounters WHERE patient_id = '\(foreignPatient)'")
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let random = UUID().uuidString
            for (path, method, body) in [
                ("/v1/encounters/\(foreignEncounter)", HTTPRequest.Method.get, nil as [String: Any]?),
                ("/v1/encounters/\(foreignEncounter)", .patch, ["status": "entered_in_error", "status_reason": "Probe"]),
                ("/v1/patients/\(foreignPatient)/encounters", .get, nil),
                ("/v1/patients/\(foreignPatient)/encounters", .post, ["type": "phone"]),
            ] {
                let theirs = try await client.call(method, path, json: body, token: nurse)
                let missing = try await client.call(
                    method,
                    path.replacingOccurrences(of: foreignEncounter, with: random).replacingOccurrences(
                        of: foreignPatient, with: random), json: body, token: nurse)
                #expect(theirs.status == .notFound, "\(method) \(path)")
                #expect(theirs.body == missing.body)
            }
            // An attending user of another organisation is refused too.
            let lakeviewUser = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@lakeview.example'")
            let own = try await Self.patientID(app)
            let answer = try await client.call(
                .post, "/v1/patients/\(own)/encounters", json: ["type": "phone", "attending_user_id": lakeviewUser], token: nurse)
            #expect(answer.status == .unprocessableContent)
        }
        #expect(
            try await app.db.strings(
                "SELECT count(*)::text || max(updated_at)::text FROM encounters WHERE patient_id = '\(foreignPatient)'") == before
        )
    }

    @Test(
        "Roles: clinical staff and the front desk write, the admin only reads, the auditor sees nothing",
        arguments: DemographicsAccess.cases)
    func roleMatrix(local: String, reads: Bool, writes: Bool) async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patientID(app)
        let encounter = try #require(
            try await app.db.strings("SELECT id::text FROM encounters WHERE patient_id = '\(patient)' AND status = 'planned'")
                .first ?? nil)
        try await app.run { client in
            let token = try await client.token(local)
            #expect(
                try await client.call(.get, "/v1/patients/\(patient)/encounters", token: token).status
                    == (reads ? .ok : .forbidden))
            #expect(try await client.call(.get, "/v1/encounters/\(encounter)", token: token).status == (reads ? .ok : .forbidden))
            #expect(
                try await client.call(.post, "/v1/patients/\(patient)/encounters", json: ["type": "phone"], token: token).status
                    == (writes ? .created : .forbidden))
            #expect(
                try await client.call(.patch, "/v1/encounters/\(encounter)", json: ["reason": "Checked"], token: token).status
                    == (writes ? .ok : .forbidden))
        }
    }

    /// A voided visit must not hide a signed note from someone who could not withdraw that note,
    /// and takes no new notes once voided; the caller is told what it may do (`actions`).
    @Test("An encounter with a signed note is voided only by a role that may withdraw it; a voided one takes no new notes")
    func voidingKeepsSignedNotesVisible() async throws {
        let app = try await TestApp.make()
        let signedVisit = try await NoteTests.encounterID(app)
        let draftVisit = try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN patients p ON p.tenant_id = e.tenant_id AND p.id = e.patient_id WHERE p.mrn = 'NS-1005' AND e.status = 'planned'")
        try await app.run { client in
            let physician = try await client.token("physician")
            let nurse = try await client.token("nurse")
            let desk = try await client.token("frontdesk")
            let note = try await NoteTests.draft(client, encounter: signedVisit, token: physician)
            #expect(
                try await client.call(.post, "/v1/notes/\(note)/sign", token: physician, headers: [.ifMatch: "\"1\""]).status
                    == .ok)
            let void = ["status": "entered_in_error", "status_reason": "Opened on the wrong patient"]
            for token in [nurse, desk] {
                let refused = try await client.call(.patch, "/v1/encounters/\(signedVisit)", json: void, token: token)
                #expect(refused.status == .conflict)
                #expect(refused.problemType == "encounter-has-signed-notes")
            }
            let before = try await client.call(.get, "/v1/encounters/\(signedVisit)", token: physician)
            #expect(before.json["status"] as? String == "planned")
            #expect(before.json["actions"] as? [String] == ["add_note"])
            #expect(try await client.call(.get, "/v1/encounters/\(signedVisit)", token: desk).json["actions"] as? [String] == [])

            let voided = try await client.call(.patch, "/v1/encounters/\(signedVisit)", json: void, token: physician)
            #expect(voided.status == .ok)
            #expect(voided.json["actions"] as? [String] == [])
            #expect(voided.json["transitions"] as? [String] == [])
            let late = try await client.call(
                .post, "/v1/encounters/\(signedVisit)/notes", json: NoteTests.content("late"), token: physician)
            #expect(late.status == .conflict)
            #expect(late.problemType == "encounter-entered-in-error")

            // Drafts only: whoever may withdraw a draft may void the visit.
            _ = try await NoteTests.draft(client, encounter: draftVisit, token: nurse)
            #expect(try await client.call(.patch, "/v1/encounters/\(draftVisit)", json: void, token: nurse).status == .ok)
        }
        let refused = try await app.db.strings(
            "SELECT action || ' ' || (detail->>'reason') FROM audit_events WHERE outcome = 'refused' ORDER BY occurred_at")
        #expect(
            refused.compactMap { $0 } == [
                "encounter.update encounter-has-signed-notes", "encounter.update encounter-has-signed-notes",
                "note.create encounter-entered-in-error",
            ])
    }

    @Test("Marking an encounter entered in error takes a reason of its own, beside the visit's; no other change takes one")
    func statusReason() async throws {
        let app = try await TestApp.make()
        let encounter = try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN patients p ON p.tenant_id = e.tenant_id AND p.id = e.patient_id WHERE p.mrn = 'NS-1005' AND e.status = 'planned'")
        let visitReason = try await app.db.value("SELECT coalesce(reason, '') FROM encounters WHERE id = '\(encounter)'")
        try await app.run { client in
            let physician = try await client.token("physician")
            let before = try await client.call(.get, "/v1/encounters/\(encounter)", token: physician)
            #expect(before.json.keys.contains("status_reason") && before.json["status_reason"] is NSNull)
            for (body, message) in [
                (["status": "entered_in_error"], "is required to mark an encounter entered in error"),
                (["status": "entered_in_error", "status_reason": "   "], "must not be empty"),
                (["status": "in_progress", "status_reason": "Started"], "is given only with the change to entered_in_error"),
                (["status_reason": "Just because"], "is given only with the change to entered_in_error"),
            ] {
                let refused = try await client.call(.patch, "/v1/encounters/\(encounter)", json: body, token: physician)
                #expect(refused.status == .unprocessableContent, "\(body)")
                let errors = refused.json["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "status_reason")
                #expect(errors?.first?["message"] as? String == message)
            }
            let voided = try await client.call(
                .patch, "/v1/encounters/\(encounter)", json: ["status": "entered_in_error", "status_reason": " Booked for the wrong patient "],
                token: physician)
            #expect(voided.status == .ok)
            #expect(voided.json["status_reason"] as? String == "Booked for the wrong patient")
            let read = try await client.call(.get, "/v1/encounters/\(encounter)", token: physician)
            #expect(read.json["status_reason"] as? String == "Booked for the wrong patient")
            #expect((read.json["reason"] as? String ?? "") == visitReason, "the visit's reason stays the visit's")
        }
        #expect(try await app.db.strings("SELECT status FROM encounters WHERE id = '\(encounter)'") == ["entered_in_error"])
        let audited = try await app.db.strings(
            "SELECT detail->>'status' FROM audit_events WHERE action = 'encounter.update' AND entity_id = '\(encounter)' AND outcome = 'success'")
        #expect(audited == ["planned->entered_in_error"])
    }
}
