import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

@Suite("Notes")
struct NoteTests {
    static func content(_ tag: String) -> [String: Any] {
        ["subjective": "S \(tag)", "objective": "O \(tag)", "assessment": "A \(tag)", "plan": "P \(tag)"]
    }

    /// A new draft ("v1") on the encounter; answers its id.
    static func draft(_ client: some TestClientProtocol, encounter: String, token: String) async throws -> String {
        let created = try await client.call(
            .post, "/v1/encounters/\(encounter)/notes", json: Self.content("v1"), token: token)
        return try #require(created.json["id"] as? String)
    }

    static func encounterID(_ app: TestApp) async throws -> String {
        try await app.db.value(
            "SELECT e.id::text FROM encounters e JOIN patients p ON p.tenant_id = e.tenant_id AND p.id = e.patient_id WHERE p.mrn = 'NS-1004' AND e.status = 'planned'"
        )
    }

    @Test("Drafts waiting for a signature: the organisation's, the longest unchanged first, each with its patient")
    func draftsToSign() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        // The seed's drafts of this organisation, as the database has them (another one's are not listed).
        let seeded = try await app.db.strings(
            """
            SELECT id::text FROM notes WHERE status = 'draft'
               AND tenant_id = (SELECT id FROM tenants WHERE slug = 'northside') ORDER BY updated_at, id
            """)
            .compactMap { $0 }
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let physician = try await client.token("physician")
            var mine: [String] = []
            for _ in 0..<3 {
                mine.append(try await Self.draft(client, encounter: encounter, token: nurse))
            }
            var listed: [[String: Any]] = []
            var cursor: String?
            repeat {
                let page = try await client.call(
                    .get, "/v1/draft-notes?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: physician)
                #expect(page.status == .ok)
                listed += (page.json["items"] as? [[String: Any]]) ?? []
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && listed.count < 100
            #expect(listed.compactMap { $0["id"] as? String } == seeded + mine)
            let first = try #require(listed.first { $0["id"] as? String == mine[0] })
            #expect(first["patient_mrn"] as? String == "NS-1004")
            #expect(first["patient_family_name"] as? String == "Mensah")
            #expect(first["subjective"] == nil, "no note content in the list")

            // Signed, it is no longer waiting.
            let signed = try await client.call(
                .post, "/v1/notes/\(mine[0])/sign", token: physician, headers: [.ifMatch: "\"1\""])
            #expect(signed.status == .ok)
            let after = try await client.call(.get, "/v1/draft-notes", token: nurse)
            #expect(((after.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == seeded + mine.dropFirst())
            #expect(try await client.call(.get, "/v1/draft-notes?cursor=nope", token: nurse).status == .unprocessableContent)
            #expect(try await client.call(.get, "/v1/draft-notes", token: try await client.token("frontdesk")).status == .forbidden)
        }
        let audited = try await app.db.strings(
            "SELECT detail->>'count' FROM audit_events WHERE action = 'note.list' AND detail->>'status' = 'draft' ORDER BY occurred_at")
        // Each page read is one event with what it showed: pages of two, then the list after the sign.
        let total = seeded.count + 3
        let pages = stride(from: 0, to: total, by: 2).map { String(min(2, total - $0)) }
        #expect(audited.compactMap { $0 } == pages + [String(total - 1)])
    }

    @Test("Draft, save twice, sign, refuse an edit, amend with a reason, read the history; every step audited")
    func lifecycle() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let physician = try await client.token("physician")
            let created = try await client.call(
                .post, "/v1/encounters/\(encounter)/notes", json: Self.content("v1"), token: nurse)
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            let id = try #require(created.json["id"] as? String)

            let saved2 = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("v2"), token: nurse, headers: [.ifMatch: "\"1\""])
            #expect(saved2.status == .ok)
            #expect(saved2.headers[.eTag] == "\"2\"")
            let saved3 = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("v3"), token: physician, headers: [.ifMatch: "\"2\""])
            #expect(saved3.json["version"] as? Int == 3)

            #expect(try await client.call(.post, "/v1/notes/\(id)/sign", token: nurse).status == .forbidden)
            let signed = try await client.call(.post, "/v1/notes/\(id)/sign", token: physician, headers: [.ifMatch: "\"3\""])
            #expect(signed.status == .ok)
            #expect(signed.json["status"] as? String == "signed")
            let sha = try #require(signed.json["signed_sha256"] as? String)

            let edit = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("sneaky"), token: physician, headers: [.ifMatch: "\"3\""])
            #expect(edit.status == .conflict)

            let amended = try await client.call(
                .post, "/v1/notes/\(id)/amend", json: Self.content("v4").merging(["reason": "Dose corrected"]) { $1 },
                token: physician)
            #expect(amended.status == .ok)
            #expect(amended.json["status"] as? String == "amended")
            #expect(amended.json["version"] as? Int == 4)
            #expect(amended.json["signed_sha256"] as? String == sha)

            let history = try await client.call(.get, "/v1/notes/\(id)/versions", token: nurse)
            let versions = (history.json["items"] as? [[String: Any]]) ?? []
            #expect(versions.compactMap { $0["version"] as? Int } == [1, 2, 3, 4])
            #expect(versions[2]["sha256"] as? String == sha)
            #expect(versions[3]["reason"] as? String == "Dose corrected")
            let third = try await client.call(.get, "/v1/notes/\(id)/versions/3", token: nurse)
            #expect(third.json["subjective"] as? String == "S v3")
            #expect(try await client.call(.get, "/v1/notes/\(id)/versions/9", token: nurse).status == .notFound)
            let note = try await client.call(.get, "/v1/notes/\(id)", token: nurse)
            #expect(note.headers[.eTag] == "\"4\"")
            #expect(note.json["plan"] as? String == "P v4")
        }
        let actions = try await app.db.strings(
            """
            SELECT action || ':' || outcome FROM audit_events WHERE entity_type = 'note' AND detail->>'source' IS NULL
             ORDER BY occurred_at, action
            """)
        // The refused edit of the signed note is audited too, as refused; the nurse's signature,
        // refused to her role, as denied, naming the note.
        #expect(
            actions == [
                "note.create:success", "note.update:success", "note.update:success", "access.denied:denied", "note.sign:success",
                "note.update:refused",
                "note.amend:success", "note.versions:success", "note.version_read:success", "note.read:success",
            ])
    }

    /// Issue 30, item 4: the page saves a writer's side of an open merge before their session
    /// ends, marked `unresolved_conflict`; the next reader is told, and nobody signs it until a
    /// later save (the merge resolved, or the text kept) clears the mark.
    @Test("A version saved with a conflict unresolved is marked for every reader and not signed until a later save")
    func unresolvedConflict() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let physician = try await client.token("physician")
            let id = try await Self.draft(client, encounter: encounter, token: nurse)
            let ordinary = try await client.call(.get, "/v1/notes/\(id)", token: physician)
            #expect(ordinary.json["unresolved_conflict"] as? Bool == false)
            #expect((ordinary.json["actions"] as? [String])?.contains("sign") == true)

            let kept = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("mine").merging(["unresolved_conflict": true]) { $1 },
                token: nurse, headers: [.ifMatch: "\"1\""])
            #expect(kept.status == .ok)
            #expect(kept.json["version"] as? Int == 2)
            #expect(kept.json["unresolved_conflict"] as? Bool == true)
            let read = try await client.call(.get, "/v1/notes/\(id)", token: physician)
            #expect(read.json["unresolved_conflict"] as? Bool == true)
            #expect((read.json["actions"] as? [String]) == ["save", "enter_in_error"], "no sign while unresolved")
            let versions = (try await client.call(.get, "/v1/notes/\(id)/versions", token: physician).json["items"]
                as? [[String: Any]]) ?? []
            #expect(versions.compactMap { $0["unresolved_conflict"] as? Bool } == [false, true])
            #expect(try await client.call(.get, "/v1/notes/\(id)/versions/2", token: physician).json["unresolved_conflict"] as? Bool == true)

            let refused = try await client.call(.post, "/v1/notes/\(id)/sign", token: physician, headers: [.ifMatch: "\"2\""])
            #expect(refused.status == .conflict)
            #expect((refused.json["detail"] as? String)?.contains("conflict unresolved") == true, "\(refused.json)")
            #expect(try await client.call(.get, "/v1/notes/\(id)", token: physician).json["status"] as? String == "draft")

            // The same text saved again, without the mark: a choice made, and the note may be signed.
            let resolved = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("mine"), token: physician, headers: [.ifMatch: "\"2\""])
            #expect(resolved.json["unresolved_conflict"] as? Bool == false)
            #expect((resolved.json["actions"] as? [String])?.contains("sign") == true)
            let signed = try await client.call(.post, "/v1/notes/\(id)/sign", token: physician, headers: [.ifMatch: "\"3\""])
            #expect(signed.status == .ok)
            #expect(signed.json["unresolved_conflict"] as? Bool == false)

            // Not a string, not on an amendment.
            let wrongType = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("x").merging(["unresolved_conflict": "yes"]) { $1 },
                token: physician, headers: [.ifMatch: "\"3\""])
            #expect(wrongType.status == .badRequest || wrongType.status == .unprocessableContent)
            let amendment = try await client.call(
                .post, "/v1/notes/\(id)/amend",
                json: Self.content("x").merging(["reason": "r", "unresolved_conflict": true]) { $1 }, token: physician)
            #expect(amendment.status == .badRequest || amendment.status == .unprocessableContent)
        }
        let marked = try await app.db.strings(
            """
            SELECT action || ':' || outcome || ':' || coalesce(detail->>'unresolved_conflict', '-') FROM audit_events
             WHERE entity_type = 'note' AND action IN ('note.update', 'note.sign') AND detail->>'source' IS NULL
             ORDER BY occurred_at, action
            """)
        #expect(marked == ["note.update:success:true", "note.sign:refused:-", "note.update:success:-", "note.sign:success:-"])
    }

    @Test("An encounter's notes are listed oldest first with their current content, audited once; not for the front desk")
    func listsAnEncountersNotes() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            var created: [String] = []
            for tag in ["first", "second"] {
                let answer = try await client.call(
                    .post, "/v1/encounters/\(encounter)/notes", json: Self.content(tag), token: nurse)
                created.append(try #require(answer.json["id"] as? String))
            }
            let saved = try await client.call(
                .put, "/v1/notes/\(created[0])", json: Self.content("first, saved"), token: nurse, headers: [.ifMatch: "\"1\""])
            #expect(saved.status == .ok)
            let before = try await app.db.value("SELECT count(*)::text FROM audit_events WHERE action = 'note.list'")
            let listed = try await client.call(.get, "/v1/encounters/\(encounter)/notes", token: nurse)
            #expect(listed.status == .ok)
            let items = try #require(listed.json["items"] as? [[String: Any]])
            let ours = items.filter { created.contains($0["id"] as? String ?? "") }
            #expect(ours.map { $0["id"] as? String } == created)
            #expect(ours.map { $0["subjective"] as? String } == ["S first, saved", "S second"])
            #expect(ours.map { $0["version"] as? Int } == [2, 1])
            let after = try await app.db.value("SELECT count(*)::text FROM audit_events WHERE action = 'note.list'")
            #expect(Int(after)! == Int(before)! + 1)

            let desk = try await client.token("frontdesk")
            #expect(try await client.call(.get, "/v1/encounters/\(encounter)/notes", token: desk).status == .forbidden)
            let missing = try await client.call(.get, "/v1/encounters/\(UUID().uuidString)/notes", token: nurse)
            #expect(missing.status == .notFound)
        }
    }

    @Test("Sign, amend and entered-in-error answer 412 to an If-Match that is not the current ETag; * and lists match")
    func lifecyclePreconditions() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let physician = try await client.token("physician")
            let id = try await Self.draft(client, encounter: encounter, token: physician)
            let amendment: [String: Any] = Self.content("amended").merging(["reason": "A correction"]) { a, _ in a }
            for header in ["\"stale-123\"", "\"2\"", "W/\"1\"", "1"] {
                let sign = try await client.call(.post, "/v1/notes/\(id)/sign", token: physician, headers: [.ifMatch: header])
                #expect(sign.status == .preconditionFailed, "sign \(header)")
                let withdraw = try await client.call(
                    .post, "/v1/notes/\(id)/entered-in-error", json: ["reason": "Wrong patient"], token: physician,
                    headers: [.ifMatch: header])
                #expect(withdraw.status == .preconditionFailed, "entered-in-error \(header)")
            }
            let signed = try await client.call(
                .post, "/v1/notes/\(id)/sign", token: physician, headers: [.ifMatch: "\"7\", \"1\""])
            #expect(signed.status == .ok)
            let stale = try await client.call(
                .post, "/v1/notes/\(id)/amend", json: amendment, token: physician, headers: [.ifMatch: "\"stale-123\""])
            #expect(stale.status == .preconditionFailed)
            let amended = try await client.call(
                .post, "/v1/notes/\(id)/amend", json: amendment, token: physician, headers: [.ifMatch: "*"])
            #expect(amended.status == .ok)
            #expect(amended.json["version"] as? Int == 2)
        }
    }

    @Test("PUT without If-Match is 428, with a stale one 412; neither writes anything")
    func preconditions() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let id = try await Self.draft(client, encounter: encounter, token: nurse)
            let missing = try await client.call(.put, "/v1/notes/\(id)", json: Self.content("x"), token: nurse)
            #expect(missing.status == .preconditionRequired)
            _ = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("v2"), token: nurse, headers: [.ifMatch: "\"1\""])
            let stale = try await client.call(
                .put, "/v1/notes/\(id)", json: Self.content("late"), token: nurse, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.problemType == "stale-version")
            // RFC 9110 section 13.1.1: whatever does not match the current ETag is 412, well-formed or not,
            // and so is a weak tag (If-Match compares strongly).
            for header in ["banana", "\"stale-123\"", "W/\"2\"", "2", "\"02\"", "\"+2\""] {
                let refused = try await client.call(
                    .put, "/v1/notes/\(id)", json: Self.content("x"), token: nurse, headers: [.ifMatch: header])
                #expect(refused.status == .preconditionFailed, "\(header)")
                #expect(refused.problemType == "stale-version", "\(header)")
            }
        }
        #expect(
            try await app.db.strings(
                "SELECT string_agg(subjective, ',' ORDER BY version) FROM note_versions WHERE subjective LIKE 'S %' AND note_id IN (SELECT id FROM notes WHERE encounter_id = '\(encounter)')"
            ) == ["S v1,S v2"])
    }

    @Test("Ten simultaneous saves from one version: one wins, nine get 412, one new version")
    func concurrentSaves() async throws {
        let app = try await TestApp.make()
        let encounter = try await Self.encounterID(app)
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let id = try await Self.draft(client, encounter: encounter, token: nurse)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await client.call(
                            .put, "/v1/notes/\(id)", json: Self.content("racer \(index)"), token: nurse,
                            headers: [.ifMatch: "\"1\""]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 9)
            #expect(try await app.db.strings("SELECT count(*)::text FROM note_versions WHERE note_id = '\(id)'") == ["2"])
        }
    }

    @Test("Entered in error: a nurse may withdraw a draft but not a signed note; afterwards nothing changes")
    func enteredInError() async throws {
        let app = try await TestApp.make()
        let signed = try await app.db.value(
            "SELECT id::text FROM notes WHERE status = 'signed' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'northside')"
        )
        let draft = try await app.db.value(
            "SELECT id::text FROM notes WHERE status = 'draft' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'northside')")
        // The version the draft is at, whatever the seed left it at.
        let version = try await app.db.value("SELECT current_version::text FROM notes WHERE id = '\(draft)'")
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let physician = try await client.token("physician")
            #expect(
                try await client.call(
                    .post, "/v1/notes/\(signed)/entered-in-error", json: ["reason": "Wrong patient"], token: nurse
                ).status == .conflict)
            #expect(
                try await client.call(.post, "/v1/notes/\(draft)/entered-in-error", json: ["reason": "Duplicate"], token: nurse)
                    .status == .ok)
            let again = try await client.call(
                .put, "/v1/notes/\(draft)", json: Self.content("late"), token: nurse, headers: [.ifMatch: "\"\(version)\""])
            #expect(again.status == .conflict)
            let withdrawn = try await client.call(
                .post, "/v1/notes/\(signed)/entered-in-error", json: ["reason": "Wrong patient"], token: physician)
            #expect(withdrawn.json["status"] as? String == "entered_in_error")
            // The note says why, who and when on its own face, as does every later read of it.
            let physicianID = try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'")
            let read = try await client.call(.get, "/v1/notes/\(signed)", token: nurse)
            #expect(read.json["entered_in_error_reason"] as? String == "Wrong patient")
            #expect(read.json["entered_in_error_by"] as? String == physicianID)
            #expect(read.json["entered_in_error_at"] is String)
            #expect(read.json["signed_version"] as? Int == read.json["version"] as? Int)
            #expect(
                try await client.call(.post, "/v1/notes/\(signed)/entered-in-error", json: ["reason": " "], token: physician)
                    .status == .unprocessableContent)
        }
    }

    @Test("Another organisation's note answers like a missing one; the front desk and the auditor see no notes")
    func isolationAndRoles() async throws {
        let app = try await TestApp.make()
        let foreign = try await app.db.value(
            "SELECT id::text FROM notes WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'lakeview') LIMIT 1")
        let own = try await app.db.value(
            "SELECT id::text FROM notes WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'northside') LIMIT 1")
        try await app.run { client in
            let physician = try await client.token("physician")
            let theirs = try await client.call(.get, "/v1/notes/\(foreign)", token: physician)
            let nobody = try await client.call(.get, "/v1/notes/\(UUID().uuidString)", token: physician)
            #expect(theirs.status == .notFound)
            #expect(theirs.body == nobody.body)
            #expect(try await client.call(.post, "/v1/notes/\(foreign)/sign", token: physician).status == .notFound)
            for local in ["frontdesk", "auditor", "admin"] {
                #expect(
                    try await client.call(.get, "/v1/notes/\(own)", token: try await client.token(local)).status == .forbidden)
            }
        }
    }
}
