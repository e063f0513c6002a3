import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@Suite("Sign-up, login, refresh, logout")
struct AuthFlowTests {
    static var newOrganization: [String: Any] {
        [
            "organization": ["name": "Harbour Clinic", "slug": "harbour-clinic"],
            "admin": ["email": "Lead@Harbour.example", "name": "Lee Lead", "password": "tide tables and lighthouses"],
        ]
    }

    @Test("Sign up, log in, ask who I am, refresh, log out")
    func roundTrip() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let signUp = try await client.call(.post, "/v1/auth/register", json: Self.newOrganization)
            #expect(signUp.status == .created)
            #expect((signUp.json["tenant"] as? [String: Any])?["slug"] as? String == "harbour-clinic")
            #expect((signUp.json["user"] as? [String: Any])?["role"] as? String == "admin")
            #expect((signUp.json["user"] as? [String: Any])?["email"] as? String == "lead@harbour.example")
            #expect(signUp.json["token_type"] as? String == "Bearer")
            #expect(signUp.json["expires_in"] as? Int == 900)

            let login = try await client.login("harbour-clinic", "lead@harbour.example", password: "tide tables and lighthouses")
            #expect(login.status == .ok)
            let access = try #require(login.json["access_token"] as? String)
            let refresh = try #require(login.json["refresh_token"] as? String)

            let me = try await client.call(.get, "/v1/auth/me", token: access)
            #expect(me.status == .ok)
            #expect((me.json["user"] as? [String: Any])?["email"] as? String == "lead@harbour.example")
            #expect((me.json["tenant"] as? [String: Any])?["name"] as? String == "Harbour Clinic")

            let renewed = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": refresh])
            #expect(renewed.status == .ok)
            let second = try #require(renewed.json["refresh_token"] as? String)
            #expect(second != refresh)
            #expect(
                try await client.call(.get, "/v1/auth/me", token: try #require(renewed.json["access_token"] as? String)).status
                    == .ok)

            #expect(try await client.call(.post, "/v1/auth/logout", json: ["refresh_token": second]).status == .noContent)
            let afterLogout = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": second])
            #expect(afterLogout.status == .unauthorized)
        }
    }

    @Test("A taken slug answers 409 and creates nothing")
    func slugTaken() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            var body = Self.newOrganization
            body["organization"] = ["name": "Another Northside", "slug": "northside"]
            let answer = try await client.call(.post, "/v1/auth/register", json: body)
            #expect(answer.status == .conflict)
            #expect(answer.problemType == "conflict")
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM tenants") == ["2"])
        #expect(try await app.db.strings("SELECT count(*)::text FROM users WHERE email = 'lead@harbour.example'") == ["0"])
    }

    @Test(
        "Sign-up validation answers 422 with the fields at fault",
        arguments: [
            ("slug", ["name": "X", "slug": "No Caps"], "organization.slug"),
            ("short slug", ["name": "X", "slug": "ab"], "organization.slug"),
            ("empty name", ["name": "  ", "slug": "fine-slug"], "organization.name"),
        ])
    func signUpValidation(label: String, organization: [String: String], field: String) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            var body = Self.newOrganization
            body["organization"] = organization
            let answer = try await client.call(.post, "/v1/auth/register", json: body)
            #expect(answer.status == .unprocessableContent, "\(label)")
            let fields = (answer.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(fields.contains(field), "\(label): \(fields)")
        }
    }

    @Test("Refresh rotates; a spent refresh token used again revokes its whole family")
    func refreshReuseRevokesFamily() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let login = try await client.login("northside", "nurse@northside.example")
            let first = try #require(login.json["refresh_token"] as? String)
            let rotated = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": first])
            let second = try #require(rotated.json["refresh_token"] as? String)

            let reuse = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": first])
            #expect(reuse.status == .unauthorized)
            // The thief's reuse also ends the legitimate holder's session.
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": second]).status == .unauthorized)
            // Another session of the same user is untouched.
            let other = try await client.login("northside", "nurse@northside.example")
            let otherToken = try #require(other.json["refresh_token"] as? String)
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": otherToken]).status == .ok)
        }
        let audited = try await app.db.strings("SELECT count(*)::text FROM audit_events WHERE action = 'auth.refresh_reuse'")
        #expect(audited == ["1"])
    }

    /// Each try: log in (R0), refresh (R1), then refresh R1 and log out R0 at the same moment.
    /// Whatever the order, the session is over: a token the refresh handed out (R2) must not
    /// refresh again. On the token-by-token revocation this replaced, R2 lived on in most tries.
    @Test("A refresh racing a logout leaves no live token of the ended session (40 tries)")
    func refreshRacingLogoutLeavesNoSurvivor() async throws {
        let app = try await TestApp.make { $0.auth.requestsPerMinutePerAddress = 100_000 }
        try await app.run { client in
            var survivors = 0
            var refreshedFirst = 0
            for _ in 0..<40 {
                let r0 = try #require(try await client.login("northside", "nurse@northside.example").json["refresh_token"] as? String)
                let r1 = try #require(
                    try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": r0]).json["refresh_token"] as? String)
                async let refreshed = client.call(.post, "/v1/auth/refresh", json: ["refresh_token": r1])
                async let loggedOut = client.call(.post, "/v1/auth/logout", json: ["refresh_token": r0])
                let (refresh, logout) = try await (refreshed, loggedOut)
                #expect(logout.status == .noContent)
                #expect([.ok, .unauthorized].contains(refresh.status), "refresh gave \(refresh.status)")
                guard refresh.status == .ok, let r2 = refresh.json["refresh_token"] as? String else { continue }
                refreshedFirst += 1
                if try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": r2]).status != .unauthorized {
                    survivors += 1
                }
            }
            #expect(survivors == 0, "\(survivors) of \(refreshedFirst) tokens handed out during a logout refreshed again")
        }
    }

    /// The same race with the user's role changed (which ends every session of theirs) instead
    /// of a logout, and with a login instead of a refresh: a session the change did not end must
    /// carry the new role.
    @Test("A refresh or login racing a role change leaves no live session of the old role (40 tries)")
    func refreshRacingRoleChangeLeavesNoSurvivor() async throws {
        let app = try await TestApp.make { $0.auth.requestsPerMinutePerAddress = 100_000 }
        let nurseID = try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@northside.example'")
        try await app.run { client in
            let admin = try await client.token("admin")
            var role = "nurse"
            var survivors: [String] = []
            for attempt in 0..<40 {
                let r0 = try #require(try await client.login("northside", "nurse@northside.example").json["refresh_token"] as? String)
                let newRole = role == "nurse" ? "front_desk" : "nurse"
                async let refreshed = client.call(.post, "/v1/auth/refresh", json: ["refresh_token": r0])
                async let loggedIn = client.login("northside", "nurse@northside.example")
                async let changed = client.call(.patch, "/v1/users/\(nurseID)", json: ["role": newRole], token: admin)
                let (refresh, login, change) = try await (refreshed, loggedIn, changed)
                #expect(change.status == .ok)
                for (name, answer) in [("refresh", refresh), ("login", login)] {
                    guard answer.status == .ok, let token = answer.json["refresh_token"] as? String,
                        let issuedRole = (answer.json["user"] as? [String: Any])?["role"] as? String, issuedRole == role
                    else { continue }
                    // Issued with the old role: the change must have ended this session.
                    if try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": token]).status != .unauthorized {
                        survivors.append("\(name) in try \(attempt)")
                    }
                }
                role = newRole
            }
            #expect(survivors.isEmpty, "sessions of the old role still refreshed: \(survivors)")
        }
    }

    @Test(
        "Garbage and foreign refresh tokens are refused without a 500",
        arguments: [
            "", "nonsense", "rt1.00000000-0000-0000-0000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "rt1.not-a-uuid.x",
        ])
    func garbageRefreshTokens(token: String) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let refreshed = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": token])
            let loggedOut = try await client.call(.post, "/v1/auth/logout", json: ["refresh_token": token])
            #expect(refreshed.status == .unauthorized)
            #expect(loggedOut.status == .noContent)
        }
    }

    @Test("Sign-up, logins, lockout, reuse, logout and user changes are audited with request id and without passwords")
    func auditTrail() async throws {
        let app = try await TestApp.make { $0.auth.failuresBeforeLockout = 2 }
        try await app.run { client in
            let signUp = try await client.call(
                .post, "/v1/auth/register", json: Self.newOrganization, headers: [.init("X-Request-ID")!: "trace-123"])
            #expect(signUp.headers[.init("X-Request-ID")!] != "trace-123", "the answer carries the server's own id")
            _ = try await client.login("northside", "nurse@northside.example", password: "wrong password here")
            _ = try await client.login("northside", "nurse@northside.example", password: "wrong password again")
            let login = try await client.login("northside", "physician@northside.example")
            _ = try await client.call(
                .post, "/v1/auth/logout", json: ["refresh_token": login.json["refresh_token"] as? String ?? ""])
        }
        let actions = try await app.db.strings(
            "SELECT action || ':' || outcome FROM audit_events WHERE detail->>'source' IS DISTINCT FROM 'seed' ORDER BY occurred_at, action"
        )
        #expect(
            Set(actions.compactMap { $0 }) == [
                "auth.register:success", "auth.login:failure", "auth.lockout:denied", "auth.login:success", "auth.logout:success",
            ])
        // The client's id is kept beside the server's own, never instead of it.
        let ids = try await app.db.strings(
            "SELECT client_request_id || ' ' || request_id FROM audit_events WHERE action = 'auth.register' AND detail->>'source' IS DISTINCT FROM 'seed'")
        #expect(ids.count == 1 && ids[0]?.hasPrefix("trace-123 ") == true && UUID(uuidString: String(ids[0]!.dropFirst(10))) != nil)
        let leaked = try await app.db.strings(
            "SELECT count(*)::text FROM audit_events WHERE detail::text ILIKE '%wrong password%' OR detail::text ILIKE '%tide tables%'"
        )
        #expect(leaked == ["0"])
    }

    /// Logs in as the nurse and answers the refresh token.
    static func refreshToken(_ client: some TestClientProtocol) async throws -> String {
        try #require(try await client.login("northside", "nurse@northside.example").json["refresh_token"] as? String)
    }

    @Test("A session ends 12 hours after its login, however often it is refreshed")
    func sessionLifetime() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            var token = try await Self.refreshToken(client)
            // Refreshed every 25 minutes for 11 h 40 min: alive.
            for _ in 1...28 {
                app.clock.advance(by: 25 * 60)
                let renewed = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": token])
                #expect(renewed.status == .ok)
                token = try #require(renewed.json["refresh_token"] as? String)
            }
            app.clock.advance(by: 25 * 60)  // 12 h 5 min after the login
            let ended = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": token])
            #expect(ended.status == .unauthorized)
            #expect(ended.problemType == "invalid-refresh-token")
        }
    }

    @Test("A session not refreshed for 30 minutes ends")
    func sessionIdleLimit() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let kept = try await Self.refreshToken(client)
            let idle = try await Self.refreshToken(client)
            app.clock.advance(by: 29 * 60)
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": kept]).status == .ok)
            app.clock.advance(by: 2 * 60)
            #expect(try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": idle]).status == .unauthorized)
        }
    }
}
