import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@Suite("User administration")
struct UserAdministrationTests {
    static let roles: [(local: String, role: Role)] = [
        ("admin", .admin), ("physician", .physician), ("nurse", .nurse), ("frontdesk", .frontDesk), ("auditor", .auditor),
    ]

    @Test(
        "Only admins reach the user routes; everyone else gets 403",
        arguments: ["admin", "physician", "nurse", "frontdesk", "auditor"])
    func roleMatrix(local: String) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let token = try await client.token(local)
            let admin = try await client.token("admin")
            let nurseID = try #require(
                ((try await client.call(.get, "/v1/users", token: admin).json["items"] as? [[String: Any]]) ?? [])
                    .first { $0["email"] as? String == "nurse@northside.example" }?["id"] as? String)
            let expected: HTTPResponse.Status = local == "admin" ? .ok : .forbidden
            let list = try await client.call(.get, "/v1/users", token: token)
            let one = try await client.call(.get, "/v1/users/\(nurseID)", token: token)
            let change = try await client.call(.patch, "/v1/users/\(nurseID)", json: ["name": "Riley R. Nurse"], token: token)
            let create = try await client.call(
                .post, "/v1/users",
                json: [
                    "email": "new.\(local)@northside.example", "name": "New", "password": "a fine long password", "role": "nurse",
                ],
                token: token)
            #expect(list.status == expected)
            #expect(one.status == expected)
            #expect(change.status == expected)
            #expect(create.status == (local == "admin" ? .created : .forbidden))
            if local != "admin" { #expect(list.problemType == "forbidden") }
        }
    }

    @Test("Every role reads its own organisation's staff: names, roles and whether active, never an email")
    func staffDirectory() async throws {
        let app = try await TestApp.make()
        let nurseID = try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@northside.example'")
        try await app.run { client in
            let admin = try await client.token("admin")
            // A deactivated colleague stays listed: their notes still name them.
            #expect(try await client.call(.patch, "/v1/users/\(nurseID)", json: ["active": false], token: admin).status == .ok)
            let expected = try await app.db.strings(
                """
                SELECT id::text || ' ' || name || ' ' || role || ' ' || active FROM users
                 WHERE tenant_id = (SELECT tenant_id FROM tenants WHERE slug = 'northside')
                """
            ).compactMap { $0 }.sorted()
            #expect(expected.contains { $0.hasPrefix(nurseID) && $0.hasSuffix(" false") })
            for local in ["admin", "physician", "frontdesk", "auditor"] {
                let answer = try await client.call(.get, "/v1/staff", token: try await client.token(local))
                #expect(answer.status == .ok, "\(local)")
                let items = (answer.json["items"] as? [[String: Any]]) ?? []
                #expect(items.allSatisfy { Set($0.keys) == ["id", "name", "role", "active"] }, "\(local): \(items)")
                let names = items.compactMap { $0["name"] as? String }
                #expect(names == names.sorted { $0.localizedStandardCompare($1) == .orderedAscending }, "\(local)")
                let seen = items.map { item in
                    ["id", "name", "role"].map { item[$0] as? String ?? "?" }.joined(separator: " ") + " "
                        + ((item["active"] as? Bool).map { String($0) } ?? "?")
                }
                #expect(seen.sorted() == expected, "\(local)")
            }
            #expect(try await client.call(.get, "/v1/staff").status == .unauthorized)
        }
    }

    @Test("Users of another organisation are not found, exactly like ids that do not exist")
    func otherTenantsUsersAreNotFound() async throws {
        let app = try await TestApp.make()
        let lakeviewUser = try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@lakeview.example'")
        try await app.run { client in
            let admin = try await client.token("admin")
            let foreign = try await client.call(.get, "/v1/users/\(lakeviewUser)", token: admin)
            let random = try await client.call(.get, "/v1/users/\(UUID().uuidString)", token: admin)
            let malformed = try await client.call(.get, "/v1/users/not-a-uuid", token: admin)
            let patch = try await client.call(.patch, "/v1/users/\(lakeviewUser)", json: ["active": false], token: admin)
            #expect(foreign.status == .notFound)
            #expect(foreign.body == random.body)
            #expect(malformed.status == .notFound)
            #expect(patch.status == .notFound)
        }
        #expect(try await app.db.strings("SELECT active::text FROM users WHERE id = '\(lakeviewUser)'") == ["true"])
    }

    @Test("The last active admin cannot be demoted or disabled, and nobody changes their own role")
    func lastAdminProtection() async throws {
        let app = try await TestApp.make()
        let adminID = try await app.db.value("SELECT id::text FROM users WHERE email = 'admin@northside.example'")
        try await app.run { client in
            let admin = try await client.token("admin")
            let demote = try await client.call(.patch, "/v1/users/\(adminID)", json: ["role": "physician"], token: admin)
            #expect(demote.status == .conflict)
            let disable = try await client.call(.patch, "/v1/users/\(adminID)", json: ["active": false], token: admin)
            #expect(disable.status == .conflict)

            // With a second admin, disabling the first is allowed, but changing one's own role never is.
            let second = try await client.call(
                .post, "/v1/users",
                json: [
                    "email": "second.admin@northside.example", "name": "Second", "password": "another fine password",
                    "role": "admin",
                ],
                token: admin)
            #expect(second.status == .created)
            #expect(
                try await client.call(.patch, "/v1/users/\(adminID)", json: ["role": "physician"], token: admin).status
                    == .conflict)
            let secondLogin = try await client.login(
                "northside", "second.admin@northside.example", password: "another fine password")
            let secondToken = try #require(secondLogin.json["access_token"] as? String)
            #expect(
                try await client.call(.patch, "/v1/users/\(adminID)", json: ["active": false], token: secondToken).status == .ok)
        }
        #expect(try await app.db.strings("SELECT active::text FROM users WHERE id = '\(adminID)'") == ["false"])
    }

    @Test("Deactivating a user ends their sessions; creating and changing users is audited")
    func deactivationRevokesSessions() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurseLogin = try await client.login("northside", "nurse@northside.example")
            let refresh = try #require(nurseLogin.json["refresh_token"] as? String)
            let nurseID = try #require((nurseLogin.json["user"] as? [String: Any])?["id"] as? String)
            let admin = try await client.token("admin")
            let off = try await client.call(.patch, "/v1/users/\(nurseID)", json: ["active": false], token: admin)
            #expect(off.status == .ok)
            #expect(off.json["active"] as? Bool == false)
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": refresh]).status == .unauthorized)
            #expect(try await client.login("northside", "nurse@northside.example").status == .unauthorized)
        }
        #expect(
            try await app.db.strings(
                "SELECT count(*)::text FROM audit_events WHERE action = 'user.update' AND detail->>'active' = 'false'") == ["1"])
    }

    @Test("A duplicate email answers 409; a bad one 422 with its field")
    func createValidation() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await client.token("admin")
            let duplicate = try await client.call(
                .post, "/v1/users",
                json: ["email": "Nurse@Northside.example", "name": "Dup", "password": "a fine long password", "role": "nurse"],
                token: admin)
            #expect(duplicate.status == .conflict)
            let bad = try await client.call(
                .post, "/v1/users",
                json: ["email": "not-an-email", "name": "Bad", "password": "a fine long password", "role": "nurse"], token: admin)
            #expect(bad.status == .unprocessableContent)
            #expect((bad.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "email")
            let role = try await client.call(
                .post, "/v1/users",
                json: ["email": "x@northside.example", "name": "X", "password": "a fine long password", "role": "overlord"],
                token: admin)
            #expect(role.status == .unprocessableContent)
        }
    }
}
