import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

/// What the server tells a client its role may do, so that the page offers nothing the server
/// refuses: the operations (`GET /v1/auth/me`), a note's actions, an encounter's moves.
@Suite("Permissions told to clients")
struct PermissionsTests {
    @Test("allowed_operations is exactly what the role matrix lets the role call, and the public operations")
    func allowedOperations() async throws {
        let app = try await TestApp.make()
        let open = Set(try ContractTests.operations().filter(\.isPublic).map(\.id))
        try await app.run { client in
            for account in RoleMatrixTests.accounts {
                let me = try await client.call(.get, "/v1/auth/me", token: try await client.token(account.local))
                let allowed = try #require(me.json["allowed_operations"] as? [String], "\(account.local)")
                let expected = Set(RoleMatrixTests.expected.filter { $0.value.contains(account.role) }.keys).union(open)
                #expect(Set(allowed) == expected, "\(account.local)")
                #expect(allowed == allowed.sorted())
            }
        }
    }

    @Test("Each note says what the caller may do to it now: by role and status, as the lifecycle says")
    func noteActions() async throws {
        let app = try await TestApp.make()
        let ids = try await app.db.strings(
            """
            SELECT status || ' ' || id FROM notes WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'northside')
             ORDER BY status
            """
        ).compactMap { $0?.split(separator: " ").map(String.init) }
        #expect(ids.map { $0[0] } == ["amended", "draft", "signed"])
        let expected: [String: [String: [String]]] = [
            "physician": ["draft": ["save", "sign", "enter_in_error"], "signed": ["amend", "enter_in_error"],
                          "amended": ["amend", "enter_in_error"]],
            "nurse": ["draft": ["save", "enter_in_error"], "signed": [], "amended": []],
        ]
        try await app.run { client in
            for (role, byStatus) in expected {
                let token = try await client.token(role)
                for pair in ids {
                    let note = try await client.call(.get, "/v1/notes/\(pair[1])", token: token)
                    #expect(note.json["actions"] as? [String] == byStatus[pair[0]], "\(role) on a \(pair[0]) note")
                }
            }
            // A list answers the same per note, and an answer to a change the same as a read.
            let nurse = try await client.token("nurse")
            let draft = try #require(ids.first { $0[0] == "draft" }?[1])
            let withdrawn = try await client.call(
                .post, "/v1/notes/\(draft)/entered-in-error", json: ["reason": "Duplicate"], token: nurse)
            #expect(withdrawn.status == .ok)
            #expect(withdrawn.json["actions"] as? [String] == [])
        }
    }

    @Test("Each patient says what the caller may do to the record: edit its details, restrict or release it")
    func patientActions() async throws {
        let app = try await TestApp.make()
        let patient = try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'")
        // Written out: admins restrict and release, and edit nothing else of a patient.
        let expected: [String: [String]] = [
            "admin": ["restrict"], "physician": ["edit", "restrict"], "nurse": ["edit"], "frontdesk": ["edit"],
        ]
        try await app.run { client in
            for account in RoleMatrixTests.accounts where RoleMatrixTests.expected["getPatient"]!.contains(account.role) {
                let answer = try await client.call(.get, "/v1/patients/\(patient)", token: try await client.token(account.local))
                #expect(answer.json["actions"] as? [String] == expected[account.local], "\(account.local)")
            }
        }
    }

    @Test("Each encounter says where the caller may move it now; roles that may not change encounters are told none")
    func encounterTransitions() async throws {
        let app = try await TestApp.make()
        let rows = try await app.db.strings(
            """
            SELECT DISTINCT ON (status) status || ' ' || id FROM encounters
             WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'northside') AND NOT restricted ORDER BY status
            """
        ).compactMap { $0?.split(separator: " ").map(String.init) }
        #expect(rows.map { $0[0] } == ["finished", "planned"])
        let moves = ["finished": ["entered_in_error"], "planned": ["in_progress", "cancelled", "entered_in_error"]]
        try await app.run { client in
            for account in RoleMatrixTests.accounts where RoleMatrixTests.expected["getEncounter"]!.contains(account.role) {
                let token = try await client.token(account.local)
                let mayChange = RoleMatrixTests.expected["updateEncounter"]!.contains(account.role)
                for row in rows {
                    let encounter = try await client.call(.get, "/v1/encounters/\(row[1])", token: token)
                    #expect(
                        encounter.json["transitions"] as? [String] == (mayChange ? moves[row[0]] : []),
                        "\(account.local) on a \(row[0]) encounter")
                }
            }
        }
    }
}
