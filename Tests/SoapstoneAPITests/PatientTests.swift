import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@Suite("Patients")
struct PatientTests {
    static let newPatient: @Sendable () -> [String: Any] = {
        [
            "mrn": "NS-9001", "given_name": "Ada", "family_name": "Ødegård", "birth_date": "1991-02-03", "sex": "female",
            "phone": "+47 555 0199", "address": ["city": "Bergen", "country": "NO"],
        ]
    }

    @Test("Create, read and update a patient; PATCH changes only the fields sent; each is audited once")
    func createReadUpdate() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            let created = try await client.call(.post, "/v1/patients", json: Self.newPatient(), token: desk)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["active"] as? Bool == true)
            #expect((created.json["address"] as? [String: Any])?["city"] as? String == "Bergen")

            let read = try await client.call(.get, "/v1/patients/\(id)", token: desk)
            #expect(read.status == .ok)
            #expect(read.json["family_name"] as? String == "Ødegård")

            let changed = try await client.call(.patch, "/v1/patients/\(id)", json: ["phone": "+47 555 0100"], token: desk)
            #expect(changed.status == .ok)
            #expect(changed.json["phone"] as? String == "+47 555 0100")
            #expect(changed.json["given_name"] as? String == "Ada")
            #expect(changed.json["birth_date"] as? String == "1991-02-03")
            #expect((changed.json["address"] as? [String: Any])?["country"] as? String == "NO")
        }
        let events = try await app.db.strings(
            "SELECT action FROM audit_events WHERE entity_type = 'patient' AND detail->>'source' IS NULL ORDER BY occurred_at, action"
        )
        #expect(events == ["patient.create", "patient.read", "patient.update"])
    }

    @Test("Search by name prefix ignores case and accents; a name in two parts either way; an MRN whole, in any case")
    func search() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurse = try await client.token("nurse")
            func names(_ query: String) async throws -> [String] {
                let answer = try await client.call(
                    .get, "/v1/patients?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: nurse)
                #expect(answer.status == .ok)
                return ((answer.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["family_name"] as? String }
            }
            #expect(try await names("nunez") == ["Núñez"])
            #expect(try await names("HART") == ["Hart", "Hartley"])
            #expect(try await names("jos") == ["Núñez"])  // given name José
            #expect(try await names("bronte") == ["Brontë"])
            #expect(try await names("NS-1004") == ["Mensah"])
            #expect(try await names("ns-1004") == ["Mensah"])
            #expect(try await names("NS-10") == [])  // an MRN matches only whole
            // A name as people say it and as lists write it: given family, family given, "family, given".
            #expect(try await names("Zoe Bronte") == ["Brontë"])
            #expect(try await names("Bronte Zoe") == ["Brontë"])
            #expect(try await names("Bronte, Zoe") == ["Brontë"])
            #expect(try await names("bront, z") == ["Brontë"])
            #expect(try await names("Zoe Hart") == [])  // both parts must fit one patient
            #expect(try await names("Bronte,") == ["Brontë"])
            #expect(try await names("%") == [])  // LIKE's wildcards are literal
            let inactive = try await client.call(.get, "/v1/patients?active=false", token: nurse)
            #expect(
                ((inactive.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["family_name"] as? String } == ["Hartley"])
        }
    }

    @Test("A search lists summaries, the same as the full records say; contact details only in the record")
    func searchListsSummaries() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let items = (try await client.call(.get, "/v1/patients?q=hart", token: nurse).json["items"] as? [[String: Any]]) ?? []
            #expect(items.count == 2)
            for item in items {
                #expect(Set(item.keys) == ["id", "mrn", "given_name", "family_name", "birth_date", "sex", "active"])
                let record = try await client.call(.get, "/v1/patients/\(item["id"] as? String ?? "")", token: nurse).json
                for key in item.keys { #expect("\(item[key]!)" == "\(record[key]!)", "\(key)") }
            }
        }
    }

    @Test("Paging walks every patient once, in order, even while patients are added between pages")
    func keysetPaging() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            for index in 0..<25 {
                let body: [String: Any] = [
                    "mrn": "P-\(index)", "given_name": "G\(index)", "family_name": "Fam\(String(format: "%02d", index))",
                    "birth_date": "2000-01-01", "sex": "unknown",
                ]
                #expect(try await client.call(.post, "/v1/patients", json: body, token: desk).status == .created)
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/v1/patients?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.call(.get, uri, token: desk)
                #expect(page.status == .ok)
                let items = (page.json["items"] as? [[String: Any]]) ?? []
                seen += items.compactMap { $0["id"] as? String }
                cursor = page.json["next_cursor"] as? String
                pages += 1
                if pages == 2 {
                    // Sorts before everything: must not reappear on later pages or push rows out.
                    let early: [String: Any] = [
                        "mrn": "P-early", "given_name": "A", "family_name": "Aaron", "birth_date": "2000-01-01", "sex": "unknown",
                    ]
                    #expect(try await client.call(.post, "/v1/patients", json: early, token: desk).status == .created)
                }
            } while cursor != nil && pages < 20
            #expect(Set(seen).count == seen.count, "no patient twice")
            #expect(seen.count == 6 + 25, "every patient that existed at the start")
            let bad = try await client.call(.get, "/v1/patients?cursor=nonsense", token: desk)
            #expect(bad.status == .unprocessableContent)
            #expect(try await client.call(.get, "/v1/patients?limit=0", token: desk).status == .unprocessableContent)
            #expect(try await client.call(.get, "/v1/patients?limit=101", token: desk).status == .unprocessableContent)
        }
    }

    @Test("No cursor carries a patient's name, decoded or not; the search in the body pages as the one in the URL")
    func cursorsCarryNoNames() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            for index in 0..<9 {
                let body: [String: Any] = [
                    "mrn": "C-\(index)", "given_name": "Zoë\(index)", "family_name": "Brontë-Hartmann", "birth_date": "2000-01-01",
                    "sex": "unknown",
                ]
                #expect(try await client.call(.post, "/v1/patients", json: body, token: desk).status == .created)
            }
            for search in ["", "bronte", "zoe"] {
                var names: Set<String> = []
                var cursors: [String] = []
                var byBody: [String] = []
                var cursor: String?
                repeat {
                    var criteria: [String: Any] = ["limit": 2]
                    if !search.isEmpty { criteria["q"] = search }
                    if let cursor { criteria["cursor"] = cursor }
                    let page = try await client.call(.post, "/v1/patients/search", json: criteria, token: desk)
                    #expect(page.status == .ok)
                    let items = (page.json["items"] as? [[String: Any]]) ?? []
                    byBody += items.compactMap { $0["id"] as? String }
                    for item in items {
                        for key in ["given_name", "family_name"] { names.insert((item[key] as? String ?? "").lowercased()) }
                    }
                    cursor = page.json["next_cursor"] as? String
                    if let cursor { cursors.append(cursor) }
                } while cursor != nil && cursors.count < 50
                #expect(cursors.count >= 2, "\(search): more than one page")
                for cursor in cursors {
                    let padded = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                        + String(repeating: "=", count: (4 - cursor.count % 4) % 4)
                    let decoded = String(decoding: Data(base64Encoded: padded) ?? Data(), as: UTF8.self).lowercased()
                    for name in names {
                        let folded = name.folding(options: [.diacriticInsensitive], locale: nil)
                        for text in [cursor.lowercased(), decoded] {
                            #expect(!text.contains(name) && !text.contains(folded), "\(name) in cursor \(decoded)")
                        }
                    }
                    #expect(decoded.hasPrefix("[\"") && decoded.count == 40, "an id only: \(decoded)")
                }
                // The same pages through the URL.
                var byURL: [String] = []
                cursor = nil
                repeat {
                    let query = (search.isEmpty ? "" : "&q=\(search)") + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await client.call(.get, "/v1/patients?limit=2\(query)", token: desk)
                    byURL += ((page.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                    cursor = page.json["next_cursor"] as? String
                } while cursor != nil && byURL.count < 100
                #expect(byURL == byBody, "\(search)")
            }
        }
    }

    @Test("Every missing required field is named at once, nested ones too, not the first only")
    func everyMissingFieldAtOnce() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            let empty = try await client.call(.post, "/v1/patients", json: [String: Any](), token: desk)
            #expect(empty.status == .unprocessableContent)
            let fields = ((empty.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(fields == ["mrn", "given_name", "family_name", "birth_date", "sex"])
            let partial = try await client.call(
                .post, "/v1/auth/register", json: ["organization": ["name": "Harbour"], "admin": [String: Any]()])
            let missing = ((partial.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(missing == ["admin.email", "admin.name", "admin.password", "organization.slug"])
        }
    }

    @Test("Another organisation's patient answers exactly like one that does not exist, and stays unchanged")
    func otherTenantsPatient() async throws {
        let app = try await TestApp.make()
        let foreign = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'LV-2001'")
        let before = try await app.db.strings("SELECT p::text FROM patients p WHERE id = '\(foreign)'")
        try await app.run { client in
            let physician = try await client.token("physician")
            let theirs = try await client.call(.get, "/v1/patients/\(foreign)", token: physician)
            let nobody = try await client.call(.get, "/v1/patients/\(UUID().uuidString)", token: physician)
            #expect(theirs.status == .notFound)
            #expect(theirs.body == nobody.body)
            let patch = try await client.call(.patch, "/v1/patients/\(foreign)", json: ["phone": "0"], token: physician)
            let patchNobody = try await client.call(
                .patch, "/v1/patients/\(UUID().uuidString)", json: ["phone": "0"], token: physician)
            #expect(patch.status == .notFound)
            #expect(patch.body == patchNobody.body)
            #expect(try await client.call(.get, "/v1/patients/not-a-uuid", token: physician).status == .notFound)
        }
        #expect(try await app.db.strings("SELECT p::text FROM patients p WHERE id = '\(foreign)'") == before)
    }

    @Test(
        "Roles: clinical staff and the front desk write, the admin only reads, the auditor sees nothing",
        arguments: DemographicsAccess.cases)
    func roleMatrix(local: String, reads: Bool, writes: Bool) async throws {
        let app = try await TestApp.make()
        let id = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
        try await app.run { client in
            let token = try await client.token(local)
            let list = try await client.call(.get, "/v1/patients", token: token)
            let one = try await client.call(.get, "/v1/patients/\(id)", token: token)
            var body = Self.newPatient()
            body["mrn"] = "R-\(local)"
            let create = try await client.call(.post, "/v1/patients", json: body, token: token)
            let patch = try await client.call(.patch, "/v1/patients/\(id)", json: ["phone": "+1 555 0000"], token: token)
            #expect(list.status == (reads ? .ok : .forbidden))
            #expect(one.status == (reads ? .ok : .forbidden))
            #expect(create.status == (writes ? .created : .forbidden))
            #expect(patch.status == (writes ? .ok : .forbidden))
        }
    }

    @Test("Validation answers 422 per field; a duplicate MRN 409; nothing stored changes")
    func validation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            var bad = Self.newPatient()
            bad["birth_date"] = "1991-02-30"
            bad["given_name"] = " "
            bad["address"] = ["country": "Norway"]
            let answer = try await client.call(.post, "/v1/patients", json: bad, token: desk)
            #expect(answer.status == .unprocessableContent)
            let fields = Set(((answer.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["birth_date", "given_name", "address.country"])
            var duplicate = Self.newPatient()
            duplicate["mrn"] = "NS-1001"
            #expect(try await client.call(.post, "/v1/patients", json: duplicate, token: desk).status == .conflict)
            var wrongSex = Self.newPatient()
            wrongSex["sex"] = "robot"
            #expect(try await client.call(.post, "/v1/patients", json: wrongSex, token: desk).status == .unprocessableContent)
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn = 'NS-9001'") == ["0"])
    }

    @Test("An MRN is taken in any case and with spaces around it: 409, nothing stored, and a search finds one patient")
    func mrnInAnyCase() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            for (mrn, given) in [("ns-1001", "Bo"), (" NS-1001 ", "Cy"), ("Ns-1001", "Di")] {
                var body = Self.newPatient()
                (body["mrn"], body["given_name"]) = (mrn, given)
                let answer = try await client.call(.post, "/v1/patients", json: body, token: desk)
                #expect(answer.status == .conflict, "\(mrn)")
                #expect(answer.problemType == "conflict")
            }
            let nunez = try await client.call(.post, "/v1/patients/search", json: ["q": "NS-1002"], token: desk)
            let id = try #require((nunez.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let renamed = try await client.call(.patch, "/v1/patients/\(id)", json: ["mrn": "ns-1001"], token: desk)
            #expect(renamed.status == .conflict)
            let found = try await client.call(.post, "/v1/patients/search", json: ["q": "NS-1001"], token: desk)
            #expect((found.json["items"] as? [[String: Any]])?.count == 1)
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE lower(btrim(mrn)) = 'ns-1001'") == ["1"])
    }

    @Test("A new patient with the name and birth date of one on record is a possible duplicate: 409 with the matches, audited, until confirmed distinct")
    func possibleDuplicate() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            // Seeded: Zoë Brontë, born 2012-06-30, NS-1003. Typed without accents, in other case.
            var twin: [String: Any] = [
                "mrn": "NS-7001", "given_name": " zoe", "family_name": "BRONTE ", "birth_date": "2012-06-30", "sex": "female",
            ]
            let refused = try await client.call(.post, "/v1/patients", json: twin, token: desk)
            #expect(refused.status == .conflict)
            #expect(refused.problemType == "possible-duplicate")
            let matches = try #require(refused.json["matches"] as? [[String: Any]])
            #expect(matches.map { $0["mrn"] as? String } == ["NS-1003"])
            #expect(matches.first?["birth_date"] as? String == "2012-06-30")
            #expect(matches.first?["sex"] as? String == "female")
            #expect(matches.first?["phone"] == nil, "a summary, not the record")

            // Another birth date is another person.
            var other = twin
            (other["mrn"], other["birth_date"]) = ("NS-7002", "2012-07-01")
            #expect(try await client.call(.post, "/v1/patients", json: other, token: desk).status == .created)

            twin["confirmed_distinct"] = true
            let created = try await client.call(.post, "/v1/patients", json: twin, token: desk)
            #expect(created.status == .created)
            #expect(created.json["confirmed_distinct"] == nil)
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn = 'NS-7001'") == ["1"])
        let refusals = try await app.db.strings(
            """
            SELECT detail->>'reason' || ' ' || (detail->>'matches') FROM audit_events
             WHERE action = 'patient.create' AND outcome = 'refused'
            """)
        #expect(refusals == ["possible-duplicate 1"])
    }

    /// Names of four-byte characters (U+20000 and on) gave a 500 from the search index's row
    /// limit. The largest a patient may be, in every indexed field of a four-byte script, is
    /// stored and found; one byte more is a 422 naming the field; nothing is stored by it.
    @Test("Names and MRNs are limited in bytes as the indexes need: the largest is stored, one more is 422, never 500")
    func byteLimits() async throws {
        let app = try await TestApp.make()
        let wide: @Sendable (Int) -> String = { count in String((0..<count).map { Character(Unicode.Scalar(0x20000 + $0)!) }) }
        try await app.run { client in
            let desk = try await client.token("frontdesk")
            var largest = Self.newPatient()
            largest["given_name"] = wide(100)  // 400 bytes
            largest["family_name"] = wide(100)
            largest["mrn"] = wide(32)  // 128 bytes
            let stored = try await client.call(.post, "/v1/patients", json: largest, token: desk)
            #expect(stored.status == .created, "\(String(decoding: stored.body, as: UTF8.self))")
            let found = try await client.call(.post, "/v1/patients/search", json: ["q": wide(3)], token: desk)
            #expect((found.json["items"] as? [[String: Any]])?.count == 1)

            for (field, value) in [("given_name", wide(100) + "a"), ("family_name", wide(200)), ("mrn", wide(32) + "1")] {
                var over = Self.newPatient()
                over["mrn"] = "NS-9002"
                over[field] = value
                let answer = try await client.call(.post, "/v1/patients", json: over, token: desk)
                #expect(answer.status == .unprocessableContent, "\(field): \(answer.status)")
                let fields = ((answer.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
                #expect(fields == [field])
            }
            // PATCH is held to the same limits.
            let id = try #require(stored.json["id"] as? String)
            let patched = try await client.call(.patch, "/v1/patients/\(id)", json: ["given_name": wide(101)], token: desk)
            #expect(patched.status == .unprocessableContent)
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn = 'NS-9002'") == ["0"])
    }
}
