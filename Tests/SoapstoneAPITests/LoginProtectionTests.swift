import Foundation
import Hummingbird
import HummingbirdTesting
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

    @Test("In production the development password opens no account, even a seeded one")
    func developmentPasswordRefusedInProduction() async throws {
        let app = try await TestApp.make { $0.auth.isProduction = true }
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
