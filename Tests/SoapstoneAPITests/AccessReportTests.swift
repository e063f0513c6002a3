import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

/// Issue 31: "who accessed this patient's record?" answered as a report, with every list and
/// search that showed the patient, in JSON pages and as one CSV file.
@Suite("Patient access report")
struct AccessReportTests {
    /// A patient of its own, touched once in every way the API has, by several people; a search
    /// that listed them among others; and one that did not.
    static func touchEveryWay(_ client: some TestClientProtocol) async throws -> (patient: String, reason: String) {
        let desk = try await client.token("frontdesk")
        let nurse = try await client.token("nurse")
        let physician = try await client.token("physician")
        let created = try await client.call(
            .post, "/v1/patients",
            json: ["mrn": "AR-1", "given_name": "Ada", "family_name": "Zwicky", "birth_date": "1970-05-01", "sex": "female"],
            token: desk)
        #expect(created.status == .created)
        let patient = try #require(created.json["id"] as? String)
        // A look-alike refused as a possible duplicate: its answer showed this patient.
        let twin = try await client.call(
            .post, "/v1/patients",
            json: ["mrn": "AR-2", "given_name": "Ada", "family_name": "Zwicky", "birth_date": "1970-05-01", "sex": "female"],
            token: desk)
        #expect(twin.status == .conflict)
        #expect(try await client.call(.get, "/v1/patients/\(patient)", token: physician).status == .ok)
        #expect(
            try await client.call(.patch, "/v1/patients/\(patient)", json: ["phone": "+47 555 0100"], token: desk).status == .ok)
        let encounter = try await client.call(
            .post, "/v1/patients/\(patient)/encounters", json: ["type": "in_person", "status": "in_progress"], token: nurse)
        let encounterID = try #require(encounter.json["id"] as? String)
        #expect(try await client.call(.get, "/v1/patients/\(patient)/encounters", token: nurse).status == .ok)
        #expect(try await client.call(.get, "/v1/encounters/\(encounterID)", token: nurse).status == .ok)
        let note = try await NoteTests.draft(client, encounter: encounterID, token: nurse)
        #expect(
            try await client.call(
                .put, "/v1/notes/\(note)", json: NoteTests.content("v2"), token: nurse, headers: [.ifMatch: "\"1\""]
            ).status == .ok)
        #expect(try await client.call(.get, "/v1/encounters/\(encounterID)/notes", token: nurse).status == .ok)
        #expect(try await client.call(.get, "/v1/draft-notes", token: physician).status == .ok)
        #expect(
            try await client.call(.post, "/v1/notes/\(note)/sign", token: physician, headers: [.ifMatch: "\"2\""]).status == .ok)
        // A reason a spreadsheet must keep whole: a comma, quotes and a line break.
        let reason = "Dose corrected, see \"plan\"\nsecond line"
        #expect(
            try await client.call(
                .post, "/v1/notes/\(note)/amend", json: NoteTests.content("v3").merging(["reason": reason]) { $1 },
                token: physician
            ).status == .ok)
        #expect(try await client.call(.get, "/v1/notes/\(note)", token: physician).status == .ok)
        #expect(try await client.call(.get, "/v1/notes/\(note)/versions", token: physician).status == .ok)
        #expect(try await client.call(.get, "/v1/notes/\(note)/versions/1", token: physician).status == .ok)
        // Withdrawn with a reason: a second draft, and a second encounter opened by mistake.
        let second = try await NoteTests.draft(client, encounter: encounterID, token: nurse)
        #expect(
            try await client.call(
                .post, "/v1/notes/\(second)/entered-in-error", json: ["reason": "Written on the wrong chart"], token: physician
            ).status == .ok)
        let mistaken = try await client.call(
            .post, "/v1/patients/\(patient)/encounters", json: ["type": "phone"], token: nurse)
        let mistakenID = try #require(mistaken.json["id"] as? String)
        #expect(
            try await client.call(
                .patch, "/v1/encounters/\(mistakenID)", json: ["status": "entered_in_error", "status_reason": "Opened twice"],
                token: nurse
            ).status == .ok)
        // Refused: a nurse may not sign. A denied access is in the report too.
        #expect(try await client.call(.post, "/v1/notes/\(note)/sign", token: nurse).status == .forbidden)
        // The nurse looks the name up: the list showed the patient among others.
        let search = try await client.call(.get, "/v1/patients?q=Zwicky", token: nurse)
        #expect((search.json["items"] as? [[String: Any]])?.contains { $0["id"] as? String == patient } == true)
        // A search that did not show them is not about them.
        #expect(try await client.call(.get, "/v1/patients?q=NS-1001", token: desk).status == .ok)
        return (patient, reason)
    }

    @Test("Every way of touching a patient is in the report, in words, with who and why; the lists that showed them too")
    func everyKindAppears() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let (patient, reason) = try await Self.touchEveryWay(client)
            let auditor = try await client.token("auditor")
            let report = try await client.call(.get, "/v1/patients/\(patient)/access-report", token: auditor)
            #expect(report.status == .ok, "\(report.json)")
            #expect((report.json["patient"] as? [String: Any])?["mrn"] as? String == "AR-1")
            let items = try #require(report.json["items"] as? [[String: Any]])
            let actions = items.compactMap { $0["action"] as? String }
            let expected: [AuditAction] = [
                .patientCreate, .patientRead, .patientUpdate, .encounterCreate, .encounterList, .encounterRead, .noteCreate,
                .noteUpdate, .noteList, .noteSign, .noteAmend, .noteRead, .noteVersions, .noteVersionRead, .accessDenied, .patientList,
            ]
            for action in expected {
                #expect(actions.contains(action.rawValue), "\(action.rawValue) missing from \(actions)")
            }
            // Oldest first, and each action named as the server names it.
            let times = items.compactMap { $0["occurred_at"] as? String }
            #expect(times == times.sorted())
            for item in items {
                let action = try #require(AuditAction(rawValue: item["action"] as? String ?? ""))
                #expect(item["action_text"] as? String == action.words)
            }
            let amend = try #require(items.first { $0["action"] as? String == "note.amend" })
            #expect(amend["reason"] as? String == reason)
            let reasons = items.compactMap { $0["reason"] as? String }
            #expect(reasons.contains("Written on the wrong chart") && reasons.contains("Opened twice"), "\(reasons)")
            #expect(actions.contains(AuditAction.noteEnteredInError.rawValue) && actions.contains(AuditAction.encounterUpdate.rawValue))
            #expect(amend["user_name"] as? String != nil && amend["role"] as? String == "physician")
            // The nurse's refused signature names the note, and so the patient.
            let refused = try #require(items.first { $0["action"] as? String == "access.denied" })
            #expect(refused["role"] as? String == "nurse" && refused["outcome"] as? String == "denied")
            #expect(refused["entity_type"] as? String == "note")
            // The lists: the nurse's search and the physician's drafts named the patient among others.
            let listed = items.filter { $0["listed"] as? Bool == true }.compactMap { $0["action"] as? String }
            #expect(listed.sorted() == ["note.list", "patient.create", "patient.list"], "\(listed)")
            #expect(items.contains { $0["action"] as? String == "patient.create" && $0["outcome"] as? String == "refused" })
            #expect(items.filter { $0["action"] as? String == "patient.list" }.count == 1, "the search for NS-1001 did not show them")

            // The audit log's patient filter finds the lists too.
            let log = try await client.call(.get, "/v1/audit-events?patient_id=\(patient)&action=patient.list", token: auditor)
            #expect((log.json["items"] as? [[String: Any]])?.count == 1)

            // Paged like the audit log: pages of one add up to the whole, and end. Each page's
            // reading is audited, about the patient, but the reader's own readings are left out
            // (or every page would find the one before it at the end).
            var paged: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(
                    .get, "/v1/patients/\(patient)/access-report?limit=1\(cursor.map { "&cursor=\($0)" } ?? "")", token: auditor)
                paged += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && paged.count <= items.count
            let whole = items.compactMap { $0["event_id"] as? String }
            #expect(paged == whole)
            let own = try await client.call(
                .get, "/v1/patients/\(patient)/access-report?include_own_audit_reads=true&limit=200", token: auditor)
            let ownReads = (own.json["items"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "audit.access_report" }
            // The first reading and one per page of one; this reading is written after its answer.
            #expect(ownReads.count == whole.count + 1)

            // A period: nothing before the patient existed, everything up to now.
            let before = try await client.call(
                .get, "/v1/patients/\(patient)/access-report?to=2020-01-01T00:00:00Z", token: auditor)
            #expect((before.json["items"] as? [[String: Any]])?.isEmpty == true)
            let backwards = try await client.call(
                .get, "/v1/patients/\(patient)/access-report?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", token: auditor)
            #expect(backwards.status == .unprocessableContent)

            // Who may: admins and auditors. Another organisation's patient, or no patient, is not found.
            #expect(
                try await client.call(.get, "/v1/patients/\(patient)/access-report", token: try await client.token("admin")).status
                    == .ok)
            #expect(
                try await client.call(.get, "/v1/patients/\(patient)/access-report", token: try await client.token("physician"))
                    .status == .forbidden)
            let lakeview = try await client.token("auditor", in: "lakeview")
            #expect(try await client.call(.get, "/v1/patients/\(patient)/access-report", token: lakeview).status == .notFound)
            #expect(try await client.call(.get, "/v1/patients/not-an-id/access-report", token: auditor).status == .notFound)
        }
        // Each reading is audited, about the patient; the refused physician's too, as denied.
        // Each patient a list showed is a row of audit_disclosures (migration 33), by which the
        // report finds the list: exactly the ids its event keeps.
        let disclosed = try await app.db.value(
            """
            SELECT (SELECT count(*) FROM audit_events a, jsonb_array_elements_text(a.detail -> 'patient_ids') p)
                   || ' ' || (SELECT count(*) FROM audit_disclosures)
                   || ' ' || (SELECT count(*) FROM audit_events a, jsonb_array_elements_text(a.detail -> 'patient_ids') p
                               WHERE EXISTS (SELECT FROM audit_disclosures d
                                              WHERE d.tenant_id = a.tenant_id AND d.event_id = a.id AND d.patient_id = p::uuid
                                                AND d.occurred_at = a.occurred_at))
            """)
        let counts = disclosed.split(separator: " ").compactMap { Int($0) }
        #expect(counts.count == 3 && counts[0] > 0 && counts[0] == counts[1] && counts[1] == counts[2], "shown, disclosed, matching: \(disclosed)")
        let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'AR-1'")
        let readings = try await app.db.strings(
            """
            SELECT role || ':' || outcome || ':' || coalesce(patient_id::text = '\(patient)', false)::text
              FROM audit_events WHERE action = 'audit.access_report' OR detail->>'operation' = 'getPatientAccessReport'
             GROUP BY 1 ORDER BY 1
            """)
        #expect(readings.contains("auditor:success:true") && readings.contains("admin:success:true"), "\(readings)")
        #expect(readings.contains { $0?.hasPrefix("physician:denied") == true }, "\(readings)")
    }

    @Test("As CSV: RFC 4180, one row per event, names and reasons with commas, quotes and line breaks kept whole")
    func csv() async throws {
        let app = try await TestApp.make()
        // A name a spreadsheet would split, and one it would run as a formula.
        _ = try await app.db.strings(
            "UPDATE users SET name = 'Pat \"Doc\" O''Brien, RN' WHERE email = 'nurse@northside.example'")
        _ = try await app.db.strings(
            "UPDATE users SET name = '=HYPERLINK(\"http://evil\")' WHERE email = 'physician@northside.example'")
        try await app.run { client in
            let (patient, reason) = try await Self.touchEveryWay(client)
            let auditor = try await client.token("auditor")
            let json = try await client.call(.get, "/v1/patients/\(patient)/access-report?limit=200", token: auditor)
            let items = try #require(json.json["items"] as? [[String: Any]])
            let answer = try await client.call(
                .get, "/v1/patients/\(patient)/access-report", token: auditor, headers: [.accept: "text/csv"])
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = try #require(String(data: answer.body, encoding: .utf8))
            #expect(text.hasSuffix("\r\n"))
            let rows = try Self.parse(text)
            #expect(rows.first == AccessReportCSVColumns.header)
            let body = Array(rows.dropFirst())
            // The reader's own JSON reading before it is left out, as in the JSON.
            #expect(body.count == items.count)
            #expect(Set(body.map(\.count)) == [AccessReportCSVColumns.header.count])
            let column = { (name: String) in AccessReportCSVColumns.header.firstIndex(of: name)! }
            #expect(Array(body.prefix(items.count).map { $0[column("event_id")] }) == items.compactMap { $0["event_id"] as? String })
            #expect(body.contains { $0[column("user_name")] == "Pat \"Doc\" O'Brien, RN" })
            #expect(body.contains { $0[column("user_name")] == "'=HYPERLINK(\"http://evil\")" }, "a formula is written as text")
            #expect(body.contains { $0[column("reason")] == reason })
            #expect(body.allSatisfy { AuditAction(rawValue: $0[column("action")])?.words == $0[column("action_text")] })
        }
        #expect(
            try await app.db.strings("SELECT detail->>'format' FROM audit_events WHERE action = 'audit.access_report' ORDER BY occurred_at")
                == ["json", "csv"])
    }

    @Test("A period too long for one CSV file is a 422 that asks for a shorter one, and no reading is recorded")
    func csvTooLong() async throws {
        let app = try await TestApp.make()
        let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
        // 10 001 reads of the patient a year ago, as the server would have written them.
        _ = try await app.db.strings(
            """
            INSERT INTO audit_events (tenant_id, occurred_at, user_id, role, action, entity_type, entity_id, patient_id, outcome)
            SELECT p.tenant_id, now() - interval '1 year' + g * interval '1 second', u.id, 'physician', 'patient.read',
                   'patient', p.id, p.id, 'success'
              FROM patients p JOIN users u ON u.tenant_id = p.tenant_id AND u.email = 'physician@northside.example',
                   generate_series(1, 10001) AS g
             WHERE p.id = '\(patient)'
            """)
        try await app.run { client in
            let auditor = try await client.token("auditor")
            let whole = try await client.call(
                .get, "/v1/patients/\(patient)/access-report", token: auditor, headers: [.accept: "text/csv"])
            #expect(whole.status == .unprocessableContent)
            #expect(whole.problemType == "validation")
            #expect((whole.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "to")
            // Half of those reads, counted from the first of them (not from now: the server
            // may take a while to start on a busy machine): one file.
            let half = try await app.db.value(
                """
                SELECT to_char((min(occurred_at) + interval '4999.5 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                  FROM audit_events WHERE patient_id = '\(patient)' AND occurred_at < now() - interval '6 months'
                """)
            let shorter = try await client.call(
                .get, "/v1/patients/\(patient)/access-report?to=\(half)", token: auditor, headers: [.accept: "text/csv"])
            #expect(shorter.status == .ok)
            let lines = String(data: shorter.body, encoding: .utf8)?.components(separatedBy: "\r\n").count ?? 0
            #expect(lines - 2 == 5_000, "a header, the rows, and the empty end after the last CRLF")
        }
        let readings = try await app.db.strings(
            "SELECT detail->>'format' || ':' || (detail->>'count') FROM audit_events WHERE action = 'audit.access_report'")
        #expect(readings.count == 1 && readings[0]?.hasPrefix("csv:") == true, "the refused file is not a reading")
    }

    /// RFC 4180, strictly: fields separated by commas, records by CRLF; a quoted field may
    /// hold commas, CRLF or LF, and doubled quotes; a quote anywhere else is an error.
    static func parse(_ text: String) throws -> [[String]] {
        struct Malformed: Error { let at: Int }
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        var position = 0
        while let c = characters.popFirst() {
            position += 1
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" {
                guard field.isEmpty else { throw Malformed(at: position) }
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r" {
                guard characters.popFirst() == "\n" else { throw Malformed(at: position) }
                row.append(field); field = ""
                rows.append(row); row = []
            } else if c == "\n" {
                throw Malformed(at: position)  // a bare LF ends no record
            } else { field.unicodeScalars.append(c) }
        }
        guard !quoted, field.isEmpty, row.isEmpty else { throw Malformed(at: position) }
        return rows
    }
}

/// The CSV's columns as the README documents them (a change there is a change here).
enum AccessReportCSVColumns {
    static let header = [
        "occurred_at", "user_name", "user_id", "role", "action", "action_text", "entity_type", "entity_id", "outcome",
        "reason", "listed", "ip", "request_id", "event_id",
    ]
}
