import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

@Suite("Trusted proxies")
struct TrustedProxiesTests {
    static func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(.init(name: .init(name)!, value: value)) }
        return fields
    }

    @Test("The client is the right-most hop that is not a trusted proxy, and only a trusted peer is believed")
    func resolution() throws {
        let trusted = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8, fd00::/8")
        let cases: [(peer: String, headers: [(String, String)], client: String)] = [
            ("127.0.0.1", [], "127.0.0.1"),
            ("127.0.0.1", [("X-Forwarded-For", "198.51.100.9")], "198.51.100.9"),
            // A client's own claim before the proxies' is not believed past the first untrusted hop.
            ("127.0.0.1", [("X-Forwarded-For", "1.1.1.1, 198.51.100.9, 10.1.2.3")], "198.51.100.9"),
            ("127.0.0.1", [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "198.51.100.9")], "198.51.100.9"),
            // The header the deployment did not name is the client's own word, even from a proxy.
            ("127.0.0.1", [("Forwarded", "for=203.0.113.66"), ("X-Forwarded-For", "198.51.100.9")], "198.51.100.9"),
            ("127.0.0.1", [("Forwarded", "for=203.0.113.66")], "127.0.0.1"),
            // Garbage ends the walk at the last address that was one.
            ("127.0.0.1", [("X-Forwarded-For", "198.51.100.9, not-an-address")], "127.0.0.1"),
            ("127.0.0.1", [("X-Forwarded-For", "10.9.9.9")], "10.9.9.9"),
            // An untrusted peer's headers are its own word: ignored.
            ("203.0.113.5", [("X-Forwarded-For", "198.51.100.9")], "203.0.113.5"),
            ("::ffff:127.0.0.1", [("X-Forwarded-For", "198.51.100.9")], "198.51.100.9"),
        ]
        for (peer, headers, client) in cases {
            #expect(trusted.clientAddress(peer: peer, headers: Self.headers(headers)) == client, "\(peer) \(headers)")
        }
        var forwarded = trusted
        forwarded.header = try TrustedProxies.Header(parsing: "forwarded")
        let rfc7239: [(peer: String, headers: [(String, String)], client: String)] = [
            ("fd00::5", [("Forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8::1]:4711\"")], "2001:db8::1"),
            ("10.0.0.7", [("Forwarded", "for=\"192.0.2.60:8080\"")], "192.0.2.60"),
            ("127.0.0.1", [("X-Forwarded-For", "198.51.100.9")], "127.0.0.1"),
        ]
        for (peer, headers, client) in rfc7239 {
            #expect(forwarded.clientAddress(peer: peer, headers: Self.headers(headers)) == client, "\(peer) \(headers)")
        }
        #expect(throws: TrustedProxies.InvalidHeader.self) { try TrustedProxies.Header(parsing: "X-Real-IP") }
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", headers: Self.headers([("X-Forwarded-For", "1.2.3.4")])) == "127.0.0.1")
        #expect(throws: TrustedProxies.InvalidEntry.self) { try TrustedProxies(parsing: "10.0.0.0/33") }
        #expect(throws: TrustedProxies.InvalidEntry.self) { try TrustedProxies(parsing: "proxy.example") }
    }

    @Test("The login throttle counts an IPv6 client by its /64, an IPv4 client by its address")
    func throttleKeys() {
        #expect(LoginGuard.throttleKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(LoginGuard.throttleKey("2001:db8:1:2:ffff:ffff:ffff:fffe") == "2001:db8:1:2::/64")
        #expect(LoginGuard.throttleKey("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(LoginGuard.throttleKey("198.51.100.9") == "198.51.100.9")
        #expect(LoginGuard.throttleKey("::ffff:198.51.100.9") == "::ffff:198.51.100.9")
    }

    /// The white-box finding: from one address, garbage refreshes each naming another client in
    /// `Forwarded` were never throttled, and a login was audited from the address it named.
    @Test("A client's Forwarded header neither escapes the throttle nor names the audited address")
    func forwardedIsNotBelieved() async throws {
        let app = try await TestApp.make {
            $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1")
            $0.auth.requestsPerMinutePerAddress = 5
        }
        try await app.run { client in
            let login = ["tenant": "northside", "email": "nurse@northside.example", "password": TestApp.password]
            let spoofed: HTTPFields = [.init("Forwarded")!: "for=203.0.113.66"]
            #expect(try await client.call(.post, "/v1/auth/login", json: login, headers: spoofed).status == .ok)
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<10 {
                let forged: HTTPFields = [.init("Forwarded")!: "for=10.0.\(index).1"]
                let token = "rt1.\(UUID().uuidString.lowercased()).AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                statuses.append(
                    try await client.call(.post, "/v1/auth/refresh", json: ["refresh_token": token], headers: forged).status)
            }
            #expect(statuses.contains(.tooManyRequests), "\(statuses)")
        }
        #expect(
            try await app.db.strings("SELECT DISTINCT host(ip) FROM audit_events WHERE action = 'auth.login'") == ["127.0.0.1"])
    }

    @Test("Behind a trusted proxy each client has its own throttle and its address in the audit log; otherwise the peer's")
    func throttleAndAudit() async throws {
        let behind = try await TestApp.make {
            $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1")
            $0.auth.requestsPerMinutePerAddress = 2
        }
        try await behind.run { client in
            let first: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.9"]
            let second: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.10"]
            let login = ["tenant": "northside", "email": "nurse@northside.example", "password": TestApp.password]
            var statuses: [HTTPResponse.Status] = []
            for headers in [first, first, first, second] {
                statuses.append(try await client.call(.post, "/v1/auth/login", json: login, headers: headers).status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .ok])
        }
        #expect(
            try await behind.db.strings("SELECT DISTINCT host(ip) FROM audit_events WHERE action = 'auth.login' ORDER BY 1")
                == ["198.51.100.10", "198.51.100.9"])

        let direct = try await TestApp.make()
        try await direct.run { client in
            let spoofed: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.9"]
            let login = ["tenant": "northside", "email": "nurse@northside.example", "password": TestApp.password]
            let answer = try await client.call(.post, "/v1/auth/login", json: login, headers: spoofed)
            #expect(answer.status == .ok)
        }
        #expect(
            try await direct.db.strings("SELECT DISTINCT host(ip) FROM audit_events WHERE action = 'auth.login'") == ["127.0.0.1"])
    }
}
