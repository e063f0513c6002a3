import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

/// Restricted records through the API (issue 32): who restricts, what a caller outside the care
/// team is told and shown, and that the database, not the handler, hides the chart.
@Suite("Restricted records")
struct RestrictedRecordTests {
    /// NS-1001: encounters, notes and versions, and no care team of its own in the seed.
    static func patient(_ app: TestApp) async throws -> String {
        try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
    }

    @Test("An admin or a physician restricts, with a reason; an admin changes nothing else; others may not")
    func whoRestricts() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patient(app)
        try await app.run { client in
            let admin = try await client.token("admin")
            let nurse = try await client.token("nurse")
            let restrict = ["restricted": true, "restriction_reason": "Member of staff"] as [String: Any]
            // Nurse and front desk may change a patient, not their restriction.
            for account in ["nurse", "frontdesk"] {
                let refused = try await client.call(
                    .patch, "/v1/patients/\(patient)", json: restrict, token: try await client.token(account))
                #expect(refused.status == .forbidden && refused.problemType == "restriction-not-permitted")
            }
            // An admin changes the restriction alone.
            let name = try await client.call(
                .patch, "/v1/patients/\(patient)", json: restrict.merging(["family_name": "Other"]) { $1 }, token: admin)
            #expect(name.status == .forbidden && name.problemType == "admin-changes-restriction-only")
            // A restriction says why; a release says nothing.
            let bare = try await client.call(.patch, "/v1/patients/\(patient)", json: ["restricted": true], token: admin)
            #expect(bare.status == .unprocessableContent)
            let blank = try await client.call(
                .patch, "/v1/patients/\(patient)", json: ["restricted": true, "restriction_reason": "   "], token: admin)
            #expect(blank.status == .unprocessableContent)
            let releaseWithReason = try await client.call(
                .patch, "/v1/patients/\(patient)", json: ["restricted": false, "restriction_reason": "x"], token: admin)
            #expect(releaseWithReason.status == .unprocessableContent)
            #expect(try await app.db.value("SELECT restricted::text FROM patients WHERE id = '\(patient)'") == "false")

            let restricted = try await client.call(.patch, "/v1/patients/\(patient)", json: restrict, token: admin)
            #expect(restricted.status == .ok)
            #expect(restricted.json["restricted"] as? Bool == true)
            #expect(restricted.json["restriction_reason"] as? String == "Member of staff")
            #expect(restricted.json["family_name"] as? String == "Hart")
            // The database carried it onto every clinical row.
            let open = try await app.db.value(
                """
                SELECT (SELECT count(*) FROM encounters WHERE patient_id = '\(patient)' AND NOT restricted) || ','
                    || (SELECT count(*) FROM notes WHERE patient_id = '\(patient)' AND NOT restricted) || ','
                    || (SELECT count(*) FROM note_versions WHERE patient_id = '\(patient)' AND NOT restricted)
                """)
            #expect(open == "0,0,0", "rows of the patient left unrestricted: encounters, notes, versions")
            // Audited as a restriction, the reason kept on the record and not in the log.
            let events = try await app.db.strings(
                """
                SELECT action || ':' || outcome || ':' || coalesce(detail->>'restricted', detail->>'reason', '')
                  FROM audit_events WHERE patient_id = '\(patient)' AND action IN ('patient.restrict', 'patient.update')
                 ORDER BY occurred_at
                """)
            #expect(
                events == [
                    "patient.restrict:refused:restriction-not-permitted", "patient.restrict:refused:restriction-not-permitted",
                    "patient.update:refused:admin-changes-restriction-only", "patient.restrict:success:true",
                ])
            _ = nurse
        }
    }

    @Test("Outside the care team the patient is found and named, the chart is closed by the database, and whom to ask is told")
    func outsideTheTeam() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patient(app)
        let physicianID = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'")
        try await app.run { client in
            let physician = try await client.token("physician")
            let nurse = try await client.token("nurse")
            let note = try await app.db.value("SELECT id::text FROM notes WHERE patient_id = '\(patient)' LIMIT 1")
            let encounter = try await app.db.value("SELECT id::text FROM encounters WHERE patient_id = '\(patient)' LIMIT 1")
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .ok)

            let restricted = try await client.call(
                .patch, "/v1/patients/\(patient)", json: ["restricted": true, "restriction_reason": "Public figure"],
                token: physician)
            #expect(restricted.status == .ok)
            // The physician who restricted it is on no team: the chart is closed to them too.
            #expect(restricted.json["chart_open"] as? Bool == false)
            _ = try await app.db.strings(
                """
                INSERT INTO care_team_members (tenant_id, patient_id, user_id, added_by)
                SELECT tenant_id, '\(patient)', '\(physicianID)', '\(physicianID)' FROM patients WHERE id = '\(patient)'
                """)

            // The nurse finds the patient and is told whom to ask, not why.
            let seen = try await client.call(.get, "/v1/patients/\(patient)", token: nurse)
            #expect(seen.status == .ok)
            #expect(seen.json["family_name"] as? String == "Hart")
            #expect(seen.json["restricted"] as? Bool == true && seen.json["chart_open"] as? Bool == false)
            #expect(seen.json["restriction_reason"] is NSNull)
            let team = (seen.json["care_team"] as? [[String: Any]]) ?? []
            #expect(team.map { $0["name"] as? String } == ["Dr. Morgan Physician"] && team.first?["role"] as? String == "physician")
            // Nothing clinical reaches her: the policies hide it.
            let encounters = try await client.call(.get, "/v1/patients/\(patient)/encounters", token: nurse)
            #expect(encounters.status == .ok && ((encounters.json["items"] as? [Any]) ?? [1]).isEmpty)
            #expect(try await client.call(.get, "/v1/encounters/\(encounter)", token: nurse).status == .notFound)
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .notFound)
            #expect(try await client.call(.get, "/v1/notes/\(note)/versions", token: nurse).status == .notFound)
            // A new encounter is refused with what to do, and audited; nothing is written.
            let before = try await app.db.value("SELECT count(*)::text FROM encounters WHERE patient_id = '\(patient)'")
            let refused = try await client.call(
                .post, "/v1/patients/\(patient)/encounters", json: ["type": "phone"], token: nurse)
            #expect(refused.status == .forbidden && refused.problemType == "restricted-record")
            #expect(try await app.db.value("SELECT count(*)::text FROM encounters WHERE patient_id = '\(patient)'") == before)
            #expect(
                try await app.db.value(
                    "SELECT count(*)::text FROM audit_events WHERE patient_id = '\(patient)' AND action = 'encounter.create' AND outcome = 'refused' AND detail->>'reason' = 'restricted-record'"
                ) == "1")
            let drafts = try await client.call(.get, "/v1/draft-notes", token: nurse)
            #expect(!(((drafts.json["items"] as? [[String: Any]]) ?? []).contains { $0["patient_id"] as? String == patient }))

            // The physician on the team reads all of it, and the reason.
            let open = try await client.call(.get, "/v1/patients/\(patient)", token: physician)
            #expect(open.json["chart_open"] as? Bool == true && open.json["restriction_reason"] as? String == "Public figure")
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: physician).status == .ok)
            // The admin manages restrictions: told the reason, reads no notes anyway.
            let admin = try await client.token("admin")
            #expect(
                try await client.call(.get, "/v1/patients/\(patient)", token: admin).json["restriction_reason"] as? String
                    == "Public figure")

            // Released by the admin, who could see none of it: open to everyone again.
            let released = try await client.call(.patch, "/v1/patients/\(patient)", json: ["restricted": false], token: admin)
            #expect(released.status == .ok && released.json["restricted"] as? Bool == false)
            #expect(released.json["restriction_reason"] is NSNull && released.json["care_team"] is NSNull)
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .ok)
        }
    }

    @Test("The care team is chosen by admins and physicians: physicians and nurses only, once each; a member sees the chart, a former one no more")
    func careTeam() async throws {
        let app = try await TestApp.make()
        let patient = try await Self.patient(app)
        let ids = try await app.db.strings(
            """
            SELECT id::text FROM users WHERE email IN ('frontdesk@northside.example', 'nurse@northside.example',
                                                       'physician@northside.example') ORDER BY email
            """)
        let (deskID, nurseID, physicianID) = (ids[0]!, ids[1]!, ids[2]!)
        try await app.run { client in
            let admin = try await client.token("admin")
            let nurse = try await client.token("nurse")
            let note = try await app.db.value("SELECT id::text FROM notes WHERE patient_id = '\(patient)' LIMIT 1")
            _ = try await client.call(
                .patch, "/v1/patients/\(patient)", json: ["restricted": true, "restriction_reason": "Colleague"], token: admin)
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .notFound)

            // Only those who restrict choose the team, and only people who treat are on it.
            let byNurse = try await client.call(
                .post, "/v1/patients/\(patient)/care-team", json: ["user_id": nurseID], token: nurse)
            #expect(byNurse.status == .forbidden)
            let frontDesk = try await client.call(
                .post, "/v1/patients/\(patient)/care-team", json: ["user_id": deskID], token: admin)
            #expect(frontDesk.status == .unprocessableContent)
            let added = try await client.call(
                .post, "/v1/patients/\(patient)/care-team", json: ["user_id": nurseID], token: admin)
            #expect(added.status == .created && added.json["name"] as? String == "Riley Nurse")
            #expect(added.json["role"] as? String == "nurse")
            let twice = try await client.call(
                .post, "/v1/patients/\(patient)/care-team", json: ["user_id": nurseID], token: admin)
            #expect(twice.status == .conflict)

            // On the team: the chart opens, and the front desk can see whom to ask, by name, a page at a time.
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .ok)
            #expect(
                try await client.call(
                    .post, "/v1/patients/\(patient)/care-team", json: ["user_id": physicianID], token: admin
                ).status == .created)
            let desk = try await client.token("frontdesk")
            let first = try await client.call(.get, "/v1/patients/\(patient)/care-team?limit=1", token: desk)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.call(.get, "/v1/patients/\(patient)/care-team?limit=1&cursor=\(cursor)", token: desk)
            #expect(second.json["next_cursor"] is NSNull)
            let names = [first, second].flatMap { (($0.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String } }
            #expect(names == ["Dr. Morgan Physician", "Riley Nurse"])

            // Taken off: closed again, and the membership stays on record, ended.
            let removed = try await client.call(.delete, "/v1/patients/\(patient)/care-team/\(nurseID)", token: admin)
            #expect(removed.status == .noContent)
            #expect(try await client.call(.get, "/v1/notes/\(note)", token: nurse).status == .notFound)
            #expect(
                try await client.call(.delete, "/v1/patients/\(patient)/care-team/\(nurseID)", token: admin).status == .notFound)
            #expect(
                try await app.db.value(
                    "SELECT count(*) FILTER (WHERE removed_at IS NOT NULL)::text FROM care_team_members WHERE patient_id = '\(patient)'"
                ) == "1")
            let events = try await app.db.strings(
                """
                SELECT action || ':' || outcome FROM audit_events
                 WHERE patient_id = '\(patient)' AND action LIKE 'care_team.%' ORDER BY occurred_at, action
                """)
            #expect(
                events == [
                    "care_team.add:success", "care_team.add:refused", "care_team.add:success", "care_team.read:success",
                    "care_team.read:success", "care_team.remove:success",
                ], "\(events)")
        }
    }
}
