import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneAPI
import SoapstoneTestSupport
import Testing

@Suite("Login protection")
struct LoginProtectionTests {
    @Test("Unknown organisation, unknown email, wrong password and disabled user get the same status and body")
    func noEnumeration() async throws {
        let app = try await TestApp.make()
        _ = try await app.db.strings("UPDATE users SET active = false WHERE email = 'auditor@northside.example'")
        try await app.run { client in
            let answers = [
                try await client.login("no-such-clinic", "admin@northside.example"),
                try await client.login("northside", "nobody@northside.example"),
                try await client.login("northside", "admin@northside.example", password: "not the password at all"),
                try await client.login("northside", "auditor@northside.example"),
            ]
            for answer in answers {
                #expect(answer.status == .unauthorized)
                #expect(answer.body == answers[0].body)
            }
            #expect(answers[0].problemType == "invalid-credentials")
        }
    }

    /// The in-memory `.router` channel has no peer address, as a listener that is not TCP would
    /// not: such logins once shared one throttle allowance under the name "unknown".
    @Test("A login with no client address is refused as a fault of ours (500), not throttled under a shared name")
    func noClientAddress() async throws {
        let app = try await TestApp.make()
        let server = try await buildApplication(app.configuration())
        try await server.test(.router) { client in
            let answer = try await client.login("northside", "admin@northside.example")
            #expect(answer.status == .internalServerError)
            #expect(answer.problemType == "internal")
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM login_throttle") == ["0"])
    }

    @Test("Five failures lock the account for 15 minutes, existing or not; the lock ends on time; success resets the count")
    func lockout() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            for email in ["nurse@northside.example", "ghost@northside.example"] {
                for _ in 1...5 {
                    #expect(try await client.login("northside", email, password: "wrong password here").status == .unauthorized)
                }
                let locked = try await client.login("northside", email)
                #expect(locked.status == .tooManyRequests, "\(email)")
                #expect(locked.headers[.retryAfter] == "900")
                #expect(locked.problemType == "too-many-requests")
            }
            // Same body for the real and the imaginary account.
            let real = try await client.login("northside", "nurse@northside.example")
            let ghost = try await client.login("northside", "ghost@northside.example")
            #expect(real.body == ghost.body)

            app.clock.advance(by: 15 * 60 + 1)
            #expect(try await client.login("northside", "nurse@northside.example").status == .ok)

            // Four failures, a success, four failures: never locked.
            for round in 0..<2 {
                for _ in 1...4 {
                    _ = try await client.login("northside", "physician@northside.example", password: "wrong password here")
                }
                if round == 0 { #expect(try await client.login("northside", "physician@northside.example").status == .ok) }
            }
            #expect(try await client.login("northside", "physician@northside.example").status == .ok)
        }
    }

    @Test("Blanks, case and Unicode form of the email and slug name one account: the lockout holds for every variant")
    func identityNormalised() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            for _ in 1...5 {
                _ = try await client.login("northside", "nurse@northside.example", password: "wrong password here")
            }
            let variants = [
                ("northside", " nurse@northside.example"), ("northside", "nurse@northside.example "),
                ("northside", "\tnurse@northside.example"), ("northside", "NURSE@Northside.Example"),
                (" Northside\n", "nurse@northside.example"),
            ]
            for (organization, email) in variants {
                let answer = try await client.login(organization, email)
                #expect(answer.status == .tooManyRequests, "\(organization.debugDescription) \(email.debugDescription)")
            }
            // Padded variants of an unlocked account are that account, and log in.
            #expect(try await client.login(" northside ", "  Physician@northside.example\t").status == .ok)
        }
    }

    @Test("An over-long slug, email or password is 422 before any work, and leaves no state behind")
    func overLongFieldsRefused() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let huge = String(repeating: "a", count: 900_000) + "@northside.example"
            let answer = try await client.login(String(repeating: "n", count: 64), huge, password: String(repeating: "p", count: 129))
            #expect(answer.status == .unprocessableContent)
            let fields = (answer.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["tenant", "email", "password"])
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM login_throttle") == ["0"])
        #expect(try await app.db.strings("SELECT count(*)::text FROM login_lockouts") == ["0"])
    }

    @Test("Failed-login state expires: an attacker's new emails do not pile up")
    func stateIsBounded() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            for index in 0..<30 {
                _ = try await client.login("northside", "guess\(index)@northside.example", password: "wrong password here")
            }
            #expect(try await app.db.strings("SELECT count(*)::text FROM login_lockouts") == ["30"])
            // After a lockout's length without them, old failures are forgotten, a few per call.
            app.clock.advance(by: 15 * 60 + 1)
            for index in 0..<2 {
                _ = try await client.login("northside", "later\(index)@northside.example", password: "wrong password here")
            }
            #expect(try await app.db.strings("SELECT count(*)::text FROM login_lockouts") == ["2"])
            #expect(try await app.db.strings("SELECT count(*)::text FROM login_throttle") == ["1"])
        }
    }

    @Test("Two server instances on one database share the lockout")
    func sharedByInstances() async throws {
        let first = try await TestApp.make()
        let second = TestApp(db: first.db)
        try await first.run { one in
            for _ in 1...5 {
                _ = try await one.login("northside", "nurse@northside.example", password: "wrong password here")
            }
            try await second.run { other in
                let answer = try await other.login("northside", "nurse@northside.example")
                #expect(answer.status == .tooManyRequests)
            }
        }
    }

    @Test("What cannot be a refresh token is refused without being charged to the address")
    func malformedTokensNotCharged() async throws {
        let app = try await TestApp.make { $0.auth.requestsPerMinutePerAddress = 5 }
        try await app.run { client in
            for garbage in ["", "x", "rt1.nope.nope", String(repeating: "z", count: 5000)] {
                for _ in 1...5 {
                    let answer = try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": garbage])
                    #expect(answer.status == .unauthorized || answer.status == .unprocessableContent, "\(answer.status)")
                }
            }
            #expect(try await client.login("northside", "nurse@northside.example").status == .ok)
        }
    }

    @Test("The per-address throttle answers 429 with Retry-After, then lets requests through again")
    func throttle() async throws {
        let app = try await TestApp.make { $0.auth.requestsPerMinutePerAddress = 60 }
        try await app.run { client in
            for _ in 1...60 {
                #expect(try await client.login("northside", "frontdesk@northside.example").status == .ok)
            }
            let refused = try await client.login("northside", "frontdesk@northside.example")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            app.clock.advance(by: 1)
            #expect(try await client.login("northside", "frontdesk@northside.example").status == .ok)
        }
    }

    @Test(
        "Password rules: length, common passwords, the email, and the development password in production",
        arguments: [
            ("short", "eleven char", false),
            ("common", "1qaz2wsx3edc", false),
            ("email", "lead@harbour.example", false),
            ("development password", "soapstone-dev-password", false),
            ("long unicode", "żółć gęślą jaźń 🌊", true),
        ])
    func passwordRules(label: String, password: String, accepted: Bool) async throws {
        let app = try await TestApp.make { $0.auth.isProduction = true }
        try await app.run { client in
            let answer = try await client.call(
                .post, "/v1/auth/register",
                json: [
                    "organization": ["name": "Harbour Clinic", "slug": "harbour-clinic"],
                    "admin": ["email": "lead@harbour.example", "name": "Lee", "password": password],
                ])
            #expect(answer.status == (accepted ? .created : .unprocessableContent), "\(label)")
            if !accepted {
                let fields = (answer.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == ["admin.password"], "\(label)")
            }
        }
    }

    @Test("Production is the default: with nothing said, the development password opens no account, even a seeded one")
    func developmentPasswordRefusedInProduction() async throws {
        // As `soapstone serve` leaves it unless SOAPSTONE_ENV=development.
        let app = try await TestApp.make { $0.auth.isProduction = AuthConfiguration(keys: $0.auth.keys).isProduction }
        try await app.run { client in
            let answer = try await client.login("northside", "admin@northside.example")
            #expect(answer.status == .unauthorized)
            #expect(answer.problemType == "invalid-credentials")
        }
    }

    @Test("The shipped common-password list has a few thousand entries")
    func commonPasswordList() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/SoapstoneAPI/common-passwords.txt")
        let entries = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(entries.count > 2000)
    }
}
