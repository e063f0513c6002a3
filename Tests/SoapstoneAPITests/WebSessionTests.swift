import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

/// The web page's session: the refresh token only as an HttpOnly cookie, used only with the
/// X-Soapstone-Session header; and the page itself, served with a strict policy.
@Suite("Web session and page")
struct WebSessionTests {
    static let session: HTTPFields = [.init("X-Soapstone-Session")!: "cookie"]

    /// The value of the soapstone_refresh cookie a Set-Cookie header sets.
    static func cookieToken(_ answer: Answer) -> String? {
        guard let header = answer.headers[.setCookie] else { return nil }
        return RefreshCookie.token(in: String(header.prefix { $0 != ";" }))
    }

    /// The nurse's login as the web page makes it.
    static func logInAsThePage(_ client: some TestClientProtocol) async throws -> Answer {
        try await client.call(
            .post, "/v1/auth/login",
            json: ["tenant": "northside", "email": "nurse@northside.example", "password": TestApp.password],
            headers: Self.session)
    }

    static func withCookie(_ token: String, session: Bool = true) -> HTTPFields {
        var headers: HTTPFields = [.cookie: "theme=dark; \(RefreshCookie.name)=\(token)"]
        if session { headers.append(contentsOf: Self.session) }
        return headers
    }

    @Test("Login sets an HttpOnly, Secure, SameSite=Strict browser-session cookie for /v1/auth and keeps the token out of the JSON")
    func loginSetsTheCookie() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let answer = try await Self.logInAsThePage(client)
            #expect(answer.status == .ok)
            #expect(answer.json["refresh_token"] == nil)
            #expect(answer.json["access_token"] is String)
            let cookie = try #require(answer.headers[.setCookie])
            let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
            // No Max-Age: a browser-session cookie, gone when the browser closes.
            #expect(attributes == ["Path=/v1/auth", "HttpOnly", "Secure", "SameSite=Strict"])
            #expect(Self.cookieToken(answer)?.hasPrefix("rt1.") == true)

            // Without the header nothing changes for API clients: the token in the JSON, no cookie.
            let plain = try await client.login("northside", "nurse@northside.example")
            #expect(plain.json["refresh_token"] is String)
            #expect(plain.headers[.setCookie] == nil)
        }
    }

    @Test("Refresh reads the cookie only with the header (CSRF), rotates it, and a spent cookie ends the session")
    func refreshWithTheCookie() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let login = try await Self.logInAsThePage(client)
            let first = try #require(Self.cookieToken(login))

            // A request another site could forge carries the cookie but not the header.
            let forged = try await client.call(.post, "/v1/auth/refresh", headers: Self.withCookie(first, session: false))
            #expect(forged.status == .badRequest)
            #expect(forged.headers[.setCookie] == nil)

            let refreshed = try await client.call(.post, "/v1/auth/refresh", headers: Self.withCookie(first))
            #expect(refreshed.status == .ok)
            #expect(refreshed.json["refresh_token"] == nil)
            let second = try #require(Self.cookieToken(refreshed))
            #expect(second != first)
            #expect(try await client.call(.get, "/v1/auth/me", token: refreshed.json["access_token"] as? String).status == .ok)

            // The first cookie again: spent, so the whole session is revoked, the second too.
            #expect(try await client.call(.post, "/v1/auth/refresh", headers: Self.withCookie(first)).status == .unauthorized)
            #expect(try await client.call(.post, "/v1/auth/refresh", headers: Self.withCookie(second)).status == .unauthorized)
            // No cookie at all: nothing to continue.
            #expect(try await client.call(.post, "/v1/auth/refresh", headers: Self.session).status == .unauthorized)
        }
    }

    @Test("Logout with the cookie revokes the session and clears the cookie, also when it is gone already")
    func logoutWithTheCookie() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let login = try await Self.logInAsThePage(client)
            let token = try #require(Self.cookieToken(login))
            let out = try await client.call(.post, "/v1/auth/logout", headers: Self.withCookie(token))
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.hasPrefix("\(RefreshCookie.name)=; Max-Age=0;") == true)
            #expect(try await client.call(.post, "/v1/auth/refresh", headers: Self.withCookie(token)).status == .unauthorized)
            let again = try await client.call(.post, "/v1/auth/logout", headers: Self.session)
            #expect(again.status == .noContent)
            #expect(again.headers[.setCookie]?.contains("Max-Age=0") == true)
            // API clients still have to say which session to end.
            #expect(try await client.call(.post, "/v1/auth/logout").status == .badRequest)
        }
    }

    @Test("Sign-up in cookie mode sets the cookie and answers the tenant")
    func registerSetsTheCookie() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.run { client in
            let answer = try await client.call(
                .post, "/v1/auth/register",
                json: [
                    "organization": ["name": "Harbour Clinic", "slug": "harbour"],
                    "admin": ["email": "lee@harbour.example", "name": "Lee Lead", "password": "tide tables and lighthouses"],
                ], headers: Self.session)
            #expect(answer.status == .created)
            #expect(answer.json["refresh_token"] == nil)
            #expect((answer.json["tenant"] as? [String: Any])?["slug"] as? String == "harbour")
            #expect(Self.cookieToken(answer) != nil)
        }
    }

    @Test("The page and its files are served with the policy; every answer, API and errors included, carries it")
    func pageAndHeaders() async throws {
        let app = try await TestApp.make(.migrated) { $0.auth.webIdleTimeout = 42 }
        try await app.run { client in
            let page = try await client.call(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains(#"<meta name="soapstone-idle-seconds" content="42">"#))
            #expect(html.contains(#"<script type="module" src="/app/main.js"></script>"#))
            #expect(!html.contains("<script>") && !html.contains(" on"), "no inline script or handler")

            let script = try await client.call(.get, "/app/main.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(try await client.call(.get, "/app/pages/login.js").status == .ok)
            #expect(try await client.call(.get, "/app/style.css").headers[.contentType] == "text/css; charset=utf-8")
            let missing = try await client.call(.get, "/app/nothing.js")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")

            for answer in [
                page, script, missing, try await client.call(.get, "/health"), try await client.call(.get, "/v1/auth/me"),
            ] {
                let policy = try #require(answer.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
                #expect(answer.headers[.init("X-Content-Type-Options")!] == "nosniff")
                #expect(answer.headers[.init("Referrer-Policy")!] == "no-referrer")
            }
            #expect(try await client.call(.get, "/health").headers[.cacheControl] == "no-store")
        }
    }
}
