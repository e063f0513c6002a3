import Foundation
import Hummingbird
import Logging
import PostgresNIO
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@Suite("Audit log")
struct AuditLogTests {
    /// Issue 31: the chain's state for the caller's organisation, as `soapstone audit verify`
    /// finds it; a superuser's edit of one event is named as the exact first break.
    @Test("Admins and auditors verify their organisation's audit chain: intact, then the exact first break; audited")
    func verifyChain() async throws {
        let app = try await TestApp.make()
        let fifth = try await app.db.value(
            """
            SELECT event_id::text FROM audit_seals
             WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'northside') AND position = 5
            """)
        try await app.run { client in
            let auditor = try await client.token("auditor")
            let intact = try await client.call(.get, "/v1/audit-events/verification", token: auditor)
            #expect(intact.status == .ok)
            #expect(intact.json["status"] as? String == "intact")
            #expect((intact.json["events"] as? Int ?? 0) > 5)
            #expect(((intact.json["head"] as? [String: Any])?["hash"] as? String)?.count == 64)
            #expect(intact.json["first_break"] is NSNull)
            #expect(try await client.call(.get, "/v1/audit-events/verification", token: try await client.token("nurse")).status
                == .forbidden)

            try await app.db.tamper("UPDATE audit_events SET outcome = 'denied' WHERE id = '\(fifth)'")
            let broken = try await client.call(.get, "/v1/audit-events/verification", token: try await client.token("admin"))
            #expect(broken.json["status"] as? String == "broken")
            let found = broken.json["first_break"] as? [String: Any]
            #expect(found?["position"] as? Int == 5)
            #expect(found?["kind"] as? String == "changed")
            #expect(found?["event_id"] as? String == fifth)
            #expect(broken.json["events"] as? Int == 4, "the links before the break")
        }
        let readings = try await app.db.strings(
            "SELECT detail->>'status' || ':' || coalesce(detail->>'break_kind', '-') FROM audit_events WHERE action = 'audit.verify' ORDER BY occurred_at")
        #expect(readings == ["intact:-", "broken:changed"])
    }

    @Test("Admins and auditors page through their organisation's log, newest first, with filters; others get 403")
    func readLog() async throws {
        let app = try await TestApp.make()
        let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
        let northside = try await app.db.value(
            "SELECT count(*)::text FROM audit_events WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'northside')")
        try await app.run { client in
            // One more event: the auditor's own login.
            let auditor = try await client.token("auditor")
            var seen: [String] = []
            var times: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(
                    .get, "/v1/audit-events?limit=9" + (cursor.map { "&cursor=\($0)" } ?? ""), token: auditor)
                #expect(page.status == .ok)
                let items = (page.json["items"] as? [[String: Any]]) ?? []
                seen += items.compactMap { $0["id"] as? String }
                times += items.compactMap { $0["occurred_at"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && seen.count < 1000
            #expect(seen.count == Int(northside)! + 1, "every event of the organisation, its own login included")
            #expect(Set(seen).count == seen.count)
            #expect(times == times.sorted(by: >), "newest first")

            let filtered = try await client.call(.get, "/v1/audit-events?patient_id=\(patient)", token: auditor)
            let items = (filtered.json["items"] as? [[String: Any]]) ?? []
            // About the patient, or a list that showed them (the seed's look at the patient list).
            #expect(!items.isEmpty && items.allSatisfy { $0["patient_id"] as? String == patient || $0["action"] as? String == "patient.list" })
            #expect(items.contains { $0["action"] as? String == "patient.list" }, "the list that showed the patient")
            let byAction = try await client.call(.get, "/v1/audit-events?action=note.sign", token: auditor)
            #expect(byAction.status == .ok)
            let signs = (byAction.json["items"] as? [[String: Any]]) ?? []
            // The seed signed two notes in each clinic.
            #expect(signs.count == 2 && signs.allSatisfy { $0["action"] as? String == "note.sign" }, "\(signs)")
            #expect(try await client.call(.get, "/v1/audit-events", token: try await client.token("admin")).status == .ok)
            #expect(
                try await client.call(.get, "/v1/audit-events", token: try await client.token("physician")).status == .forbidden)
            #expect(
                try await client.call(.get, "/v1/audit-events?patient_id=nope", token: auditor).status == .unprocessableContent)
            #expect(try await client.call(.get, "/v1/audit-events?cursor=nope", token: auditor).status == .unprocessableContent)
        }
    }

    @Test("Several actions at once (action repeated); a patient's view leaves out the reader's own reads of the log unless asked")
    func severalActionsAndOwnReads() async throws {
        let app = try await TestApp.make()
        let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
        try await app.run { client in
            let auditor = try await client.token("auditor")
            let admin = try await client.token("admin")
            func actions(_ query: String, token: String) async throws -> [String] {
                let answer = try await client.call(.get, "/v1/audit-events?limit=200&\(query)", token: token)
                #expect(answer.status == .ok, "\(query)")
                return ((answer.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            }
            let both = try await actions("action=note.sign&action=auth.login", token: auditor)
            #expect(Set(both) == ["note.sign", "auth.login"], "\(both)")
            #expect(both.filter { $0 == "note.sign" }.count == 2)
            let bad = try await client.call(.get, "/v1/audit-events?action=note.sign&action=note.raed", token: auditor)
            #expect(bad.status == .unprocessableContent)
            #expect((bad.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "action")

            // The auditor looks at the patient three times; the admin once.
            for _ in 0..<3 { _ = try await actions("patient_id=\(patient)", token: auditor) }
            _ = try await actions("patient_id=\(patient)", token: admin)
            let view = try await actions("patient_id=\(patient)", token: auditor)
            #expect(view.filter { $0 == "audit.read" }.count == 1, "only the admin's reading: \(view)")
            let everything = try await actions("patient_id=\(patient)&include_own_audit_reads=true", token: auditor)
            #expect(everything.filter { $0 == "audit.read" }.count == 5, "\(everything)")
            let named = try await actions("patient_id=\(patient)&action=audit.read", token: auditor)
            #expect(named.count == 6 && Set(named) == ["audit.read"], "\(named)")
            // Without a patient, the whole log: the auditor's own readings too.
            #expect(try await actions("action=audit.read", token: auditor).count >= 7)
        }
        let asked = try await app.db.strings(
            "SELECT detail->>'action' FROM audit_events WHERE action = 'audit.read' AND detail ? 'action' ORDER BY occurred_at LIMIT 1")
        #expect(asked == ["note.sign,auth.login"])
    }

    /// The database answers the id of every event it writes; when it wrote none (here a trigger
    /// skips the insert), the work is not answered as done, nor as a 404: a 500 the server logs.
    @Test(
        "A request whose audit event is not written is a 500, not a 404 and not a success",
        .disabled(if: TestServer.externalURL != nil, "a test trigger on a distributed table would have to be on every shard"))
    func unwrittenEventIsA500() async throws {
        let app = try await TestApp.make()
        let encounter = try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN tenants t ON t.id = e.tenant_id WHERE t.slug = 'northside' AND NOT e.restricted LIMIT 1")
        try await app.run { client in
            let nurse = try await client.token("nurse")
            #expect(try await client.call(.get, "/v1/encounters/\(encounter)", token: nurse).status == .ok)
            _ = try await app.db.strings(
                """
                CREATE FUNCTION test_skip_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$
                """)
            _ = try await app.db.strings(
                "CREATE TRIGGER test_skip BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_skip_insert()")
            let unaudited = try await client.call(.get, "/v1/encounters/\(encounter)", token: nurse)
            #expect(unaudited.status == .internalServerError)
            #expect(unaudited.json["type"] as? String == "https://soapstone.dev/problems/internal")
        }
    }

    @Test("Who looked at a patient: the auditor finds the patient, and the log names them")
    func patientNamedForAuditors() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let auditor = try await client.token("auditor")
            let found = try await client.call(.post, "/v1/patients/search", json: ["q": "NS-1001"], token: auditor)
            #expect(found.status == .ok)
            let patient = try #require((found.json["items"] as? [[String: Any]])?.first)
            #expect(patient["phone"] == nil && patient["address"] == nil, "a summary only")
            let id = try #require(patient["id"] as? String)
            // Summaries only: the record, its encounters and the URL search stay closed to auditors.
            #expect(try await client.call(.get, "/v1/patients/\(id)", token: auditor).status == .forbidden)
            #expect(try await client.call(.get, "/v1/patients?q=NS-1001", token: auditor).status == .forbidden)

            let physician = try await client.token("physician")
            #expect(try await client.call(.get, "/v1/patients/\(id)", token: physician).status == .ok)
            let log = try await client.call(
                .get, "/v1/audit-events?patient_id=\(id)&action=patient.read", token: auditor)
            let read = try #require((log.json["items"] as? [[String: Any]])?.first)
            #expect(read["patient_mrn"] as? String == "NS-1001")
            #expect(read["patient_family_name"] as? String == patient["family_name"] as? String)
            #expect(read["patient_given_name"] as? String == patient["given_name"] as? String)
            // An event about no patient says so in each field.
            let own = try await client.call(.get, "/v1/audit-events?action=auth.login&limit=1", token: auditor)
            let login = try #require((own.json["items"] as? [[String: Any]])?.first)
            #expect(login["patient_mrn"] is NSNull && login["patient_family_name"] is NSNull)
            // The action filter takes the document's list: a misspelt action is an error, not an empty log.
            let typo = try await client.call(.get, "/v1/audit-events?action=patient.raed", token: auditor)
            #expect(typo.status == .unprocessableContent, "\(typo.json)")
        }
    }

    @Test("The document's list of audit actions is the server's")
    func actionsListed() throws {
        let schemas = try #require(try ContractTests.document()["components"] as? [String: Any])["schemas"] as? [String: Any]
        let listed = try #require((schemas?["AuditAction"] as? [String: Any])?["enum"] as? [String])
        #expect(listed == AuditAction.allCases.map(\.rawValue))
    }

    /// The server's words are the source (the access report, its CSV); the page's table for
    /// the filter and the log's rows must say the same.
    @Test("The page names each action in the server's words")
    func pageWordsAreTheServers() throws {
        let source = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/SoapstoneAPI/Page/Web/app/pages/audit.js"), encoding: .utf8)
        let table = try #require(source.firstRange(of: "export const actionNames = {").map { source[$0.upperBound...] })
        let body = table[..<(try #require(table.firstRange(of: "};")).lowerBound)]
        var words: [String: String] = [:]
        for line in body.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let unquote = { (text: Substring) in
                String(text.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: [","]).dropFirst().dropLast())
            }
            words[unquote(parts[0])] = unquote(parts[1])
        }
        #expect(words == Dictionary(uniqueKeysWithValues: AuditAction.allCases.map { ($0.rawValue, $0.words) }))
    }

    @Test("Refusals of someone known, reads of the log and the client's request id are in the audit log")
    func refusalsAndReadsAudited() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let physician = try await client.token("physician")
            let nurse = try await client.token("nurse")
            #expect(try await client.call(.get, "/v1/users", token: nurse).status == .forbidden)
            // A genuine token, expired: the user is known.
            app.clock.advance(by: 16 * 60)
            #expect(try await client.call(.get, "/v1/auth/me", token: physician).status == .unauthorized)
            // A token that is nobody's is no one to audit.
            #expect(try await client.call(.get, "/v1/auth/me", token: "not.a.token").status == .unauthorized)
            let auditor = try await client.token("auditor")
            let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
            let read = try await client.call(
                .get, "/v1/audit-events?patient_id=\(patient)&action=patient.read", token: auditor,
                headers: [.init("X-Request-ID")!: "proxy-42"])
            #expect(read.status == .ok)
            #expect(read.headers[.init("X-Request-ID")!] != "proxy-42")
        }
        let nurseID = try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@northside.example'")
        let physicianID = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'")
        let refusals = try await app.db.strings(
            """
            SELECT action || ' ' || outcome || ' ' || user_id || ' ' || (detail->>'operation') FROM audit_events
             WHERE action IN ('access.denied', 'auth.token_expired') ORDER BY occurred_at
            """)
        #expect(refusals == ["access.denied denied \(nurseID) listUsers", "auth.token_expired failure \(physicianID) getMe"])
        let reads = try await app.db.strings(
            """
            SELECT (detail->>'action') || ' ' || (detail->>'patient_id' IS NOT NULL) || ' ' || client_request_id || ' '
                   || (request_id <> client_request_id)
              FROM audit_events WHERE action = 'audit.read'
            """)
        #expect(reads == ["patient.read true proxy-42 true"])
    }

    /// A stale save (412), a sign of a signed note, an encounter moved where its lifecycle does
    /// not go, and a duplicate MRN (409) left no trace before: each is now audited like a 403,
    /// with who, the operation's action, the entity, and the outcome `refused`.
    @Test("Writes refused by the record's state (409, 412) are audited as refused, with who, what and which")
    func refusedWritesAreAudited() async throws {
        let app = try await TestApp.make()
        let encounter = try await NoteTests.encounterID(app)
        let finished = try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN tenants t ON t.id = e.tenant_id WHERE t.slug = 'northside' AND e.status = 'finished' AND NOT e.restricted LIMIT 1")
        let physicianID = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'")
        try await app.run { client in
            let physician = try await client.token("physician")
            let note = try await NoteTests.draft(client, encounter: encounter, token: physician)
            let saved = try await client.call(
                .put, "/v1/notes/\(note)", json: NoteTests.content("v2"), token: physician, headers: [.ifMatch: "\"1\""])
            #expect(saved.status == .ok)
            let stale = try await client.call(
                .put, "/v1/notes/\(note)", json: NoteTests.content("stale"), token: physician, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(try await client.call(.post, "/v1/notes/\(note)/sign", token: physician, headers: [.ifMatch: "\"2\""]).status == .ok)
            let again = try await client.call(.post, "/v1/notes/\(note)/sign", token: physician, headers: [.ifMatch: "\"2\""])
            #expect(again.status == .conflict)
            let reopened = try await client.call(.patch, "/v1/encounters/\(finished)", json: ["status": "planned"], token: physician)
            #expect(reopened.status == .conflict)
            var duplicate: [String: Any] = ["given_name": "Dup", "family_name": "Licate", "birth_date": "1970-01-01", "sex": "unknown"]
            duplicate["mrn"] = "NS-1001"
            #expect(try await client.call(.post, "/v1/patients", json: duplicate, token: physician).status == .conflict)
        }
        let refused = try await app.db.strings(
            """
            SELECT action || ' ' || entity_type || ' ' || coalesce(entity_id::text, '-') || ' ' || user_id || ' ' || role || ' '
                   || (detail->>'reason') || ' ' || (request_id IS NOT NULL)
              FROM audit_events WHERE outcome = 'refused' ORDER BY occurred_at, action
            """)
        let note = try await app.db.value("SELECT id::text FROM notes WHERE encounter_id = '\(encounter)' ORDER BY created_at DESC LIMIT 1")
        #expect(
            Set(refused.compactMap { $0 }) == [
                "note.update note \(note) \(physicianID) physician stale_version true",
                "note.sign note \(note) \(physicianID) physician conflict true",
                "encounter.update encounter \(finished) \(physicianID) physician conflict true",
                "patient.create patient - \(physicianID) physician conflict true",
            ])
    }
}
