import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Synchronization
import Testing

/// bcrypt compares at most 72 bytes of its input; the server must compare every password in full.
@Suite("Password hashes")
struct PasswordHashTests {
    /// A user made by the seeded admin with `password`, then logins with each of `attempts`:
    /// answers the status of each.
    static func logins(creating password: String, attempts: [String]) async throws -> [HTTPResponse.Status] {
        let app = try await TestApp.make()
        let statuses = Mutex<[HTTPResponse.Status]>([])
        try await app.run { client in
            let created = try await client.call(
                .post, "/v1/users",
                json: ["email": "long@northside.example", "name": "Lee Long", "password": password, "role": "nurse"],
                token: try await client.token("admin"))
            #expect(created.status == .created)
            for attempt in attempts {
                let status = try await client.login("northside", "long@northside.example", password: attempt).status
                statuses.withLock { $0.append(status) }
            }
        }
        return statuses.withLock { $0 }
    }

    @Test("A 100-character passphrase and the same with its end changed: only the first logs in")
    func longPassphraseComparedInFull() async throws {
        let passphrase = String(repeating: "correct horse battery staple ", count: 4).prefix(96) + "1234"
        let changedEnd = passphrase.dropLast(4) + "9999"
        #expect(passphrase.utf8.count == 100 && changedEnd.utf8.count == 100)
        let statuses = try await Self.logins(creating: String(passphrase), attempts: [String(changedEnd), String(passphrase)])
        #expect(statuses == [.unauthorized, .ok])
    }

    @Test("A multi-byte passphrase whose 72nd byte falls inside a character is compared in full")
    func multiByteBoundary() async throws {
        // 71 ASCII bytes, then "é" (C3 A9) over bytes 72 and 73; "è" (C3 A8) shares byte 72.
        let head = String(repeating: "lighthouse ", count: 7).prefix(71)
        let passphrase = head + "é and the tide"
        let other = head + "è and the tide"
        #expect(Array(passphrase.utf8.prefix(72)) == Array(other.utf8.prefix(72)))
        let statuses = try await Self.logins(creating: String(passphrase), attempts: [String(other), String(passphrase)])
        #expect(statuses == [.unauthorized, .ok])
    }

    @Test("The same passphrase in another Unicode normalisation logs in")
    func normalisedBeforeHashing() async throws {
        let composed = "Mañana será otro día"  // ñ and á as single scalars (NFC)
        let decomposed = composed.decomposedStringWithCanonicalMapping
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        #expect(try await Self.logins(creating: composed, attempts: [decomposed]) == [.ok])
    }

    @Test("A hash of the earlier form (bare bcrypt) still logs in once, and is replaced at that login")
    func earlierHashUpgradedAtLogin() async throws {
        let app = try await TestApp.make()
        let legacy = Bcrypt.hash(TestApp.password, cost: 4)
        _ = try await app.db.strings(
            """
            UPDATE user_credentials SET password_hash = '\(legacy)'
             WHERE user_id = (SELECT id FROM users WHERE email = 'nurse@northside.example')
            """)
        try await app.run { client in
            #expect(try await client.login("northside", "nurse@northside.example").status == .ok)
            let stored = try await app.db.value(
                """
                SELECT password_hash FROM user_credentials
                 WHERE user_id = (SELECT id FROM users WHERE email = 'nurse@northside.example')
                """)
            #expect(stored.hasPrefix("$sp1$$2b$04$"), "\(stored)")
            #expect(stored != legacy)
            let audited = try await app.db.value(
                """
                SELECT detail->>'password_hash' FROM audit_events
                 WHERE action = 'auth.login' AND user_id = (SELECT id FROM users WHERE email = 'nurse@northside.example')
                """)
            #expect(audited == "upgraded")
            // The new hash works, and a wrong password still fails against it.
            #expect(try await client.login("northside", "nurse@northside.example").status == .ok)
            #expect(
                try await client.login("northside", "nurse@northside.example", password: "not the password at all").status
                    == .unauthorized)
        }
    }

    @Test("The hashing gate runs as many hashes as it has turns, queues as many as it may, refuses the next at once")
    func gateTurns() async throws {
        let gate = HashingGate(concurrent: 1, queue: 1)
        try await gate.enter()  // the one turn
        let waiting = Task { try await gate.enter() }  // queued behind it
        while gate.waiting < 1 { await Task.yield() }
        // The third finds the turn taken and the queue full: refused at once.
        await #expect(throws: HashingGate.Busy.self) { try await gate.enter() }
        gate.leave()  // the waiter gets the turn
        try await waiting.value
        gate.leave()
        try await gate.enter()  // free again
        gate.leave()
    }

    @Test("While every hashing turn is taken and none may wait, a login answers 503 with Retry-After; other requests do not wait")
    func busyHashingAnswers503() async throws {
        let gate = HashingGate(concurrent: 1, queue: 0)
        let app = try await TestApp.make { $0.auth.passwordHashing = gate }
        try await app.run { client in
            let nurse = try await client.token("nurse")
            try await gate.enter()
            let busy = try await client.login("northside", "physician@northside.example")
            #expect(busy.status == .serviceUnavailable)
            #expect(busy.problemType == "busy")
            #expect(busy.headers[.retryAfter] == "1")
            #expect(try await client.call(.get, "/health").status == .ok)
            #expect(try await client.call(.get, "/v1/patients?q=hart", token: nurse).status == .ok)
            gate.leave()
            #expect(try await client.login("northside", "physician@northside.example").status == .ok)
        }
    }
}
