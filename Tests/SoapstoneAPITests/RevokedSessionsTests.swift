import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneAPI
import SoapstoneTestSupport
import Synchronization
import Testing

/// Ending a session ends its access tokens on every instance, not only its refresh tokens.
@Suite("Revoked sessions")
struct RevokedSessionsTests {
    /// Counts how often an instance has caught up with ended sessions and listens.
    final class Listening: Sendable {
        private let count = Mutex(0)
        func signal() { count.withLock { $0 += 1 } }
        /// Waits until the instance listens (polling: the signal comes from its own service).
        func wait() async throws {
            for _ in 0..<400 where count.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(25)) }
            #expect(count.withLock { $0 } > 0, "the instance never listened")
        }
    }

    /// An instance on a database of its own, or a further instance of `deployment`'s (its
    /// database and keys).
    static func app(of deployment: TestApp? = nil, _ listening: Listening) async throws -> TestApp {
        let configure: @Sendable (inout AppConfiguration) -> Void = { $0.revokedSessionsListening = listening.signal }
        if let deployment { return TestApp(db: deployment.db, keys: deployment.keys, configure: configure) }
        return try await TestApp.make(configure: configure)
    }

    /// The status `/v1/auth/me` answers the token with, once it is `expected` (or after 10 s).
    static func eventually(
        _ expected: HTTPResponse.Status, _ client: some TestClientProtocol, token: String
    ) async throws -> HTTPResponse.Status {
        var status = try await client.call(.get, "/v1/auth/me", token: token).status
        for _ in 0..<400 where status != expected {
            try await Task.sleep(for: .milliseconds(25))
            status = try await client.call(.get, "/v1/auth/me", token: token).status
        }
        return status
    }

    @Test("Logout ends the session's access token at once here, within moments on another instance")
    func logoutEndsAccessTokens() async throws {
        let (onFirst, onSecond) = (Listening(), Listening())
        let first = try await Self.app(onFirst)
        let second = try await Self.app(of: first, onSecond)
        try await first.run { a in
            try await second.run { b in
                try await onFirst.wait()
                try await onSecond.wait()
                let login = try await a.login("northside", "nurse@northside.example")
                let access = try #require(login.json["access_token"] as? String)
                let refresh = try #require(login.json["refresh_token"] as? String)
                let other = try #require(try await a.login("northside", "nurse@northside.example").json["access_token"] as? String)
                #expect(try await b.call(.get, "/v1/auth/me", token: access).status == .ok)
                #expect(try await a.call(.post, "/v1/auth/logout", json: ["refresh_token": refresh]).status == .noContent)
                let here = try await a.call(.get, "/v1/auth/me", token: access)
                #expect(here.status == .unauthorized)
                #expect(try await Self.eventually(.unauthorized, b, token: access) == .unauthorized)
                // The nurse's other session goes on.
                #expect(try await b.call(.get, "/v1/auth/me", token: other).status == .ok)
            }
        }
        #expect(
            try await first.db.strings("SELECT count(*)::text FROM audit_events WHERE action = 'auth.token_revoked'") != ["0"])
    }

    @Test("An instance started after a logout refuses that session's access token")
    func lateInstanceCatchesUp() async throws {
        let onFirst = Listening()
        let first = try await Self.app(onFirst)
        let access = Mutex("")
        try await first.run { a in
            let login = try await a.login("northside", "nurse@northside.example")
            let token = try #require(login.json["access_token"] as? String)
            access.withLock { $0 = token }
            let refresh = try #require(login.json["refresh_token"] as? String)
            #expect(try await a.call(.post, "/v1/auth/logout", json: ["refresh_token": refresh]).status == .noContent)
        }
        let onLate = Listening()
        let late = try await Self.app(of: first, onLate)
        let token = access.withLock { $0 }
        try await late.run { b in
            try await onLate.wait()
            #expect(try await b.call(.get, "/v1/auth/me", token: token).status == .unauthorized)
        }
    }

    @Test("Deactivating a user or changing their role ends their access tokens", arguments: ["deactivate", "role"])
    func userChangesEndAccessTokens(_ change: String) async throws {
        let listening = Listening()
        let app = try await Self.app(listening)
        let nurseID = try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@northside.example'")
        try await app.run { client in
            try await listening.wait()
            let nurse = try await client.token("nurse")
            #expect(try await client.call(.get, "/v1/patients?q=hart", token: nurse).status == .ok)
            let body: [String: Any] = change == "deactivate" ? ["active": false] : ["role": "front_desk"]
            let admin = try await client.token("admin")
            #expect(try await client.call(.patch, "/v1/users/\(nurseID)", json: body, token: admin).status == .ok)
            #expect(try await Self.eventually(.unauthorized, client, token: nurse) == .unauthorized)
        }
    }
}
