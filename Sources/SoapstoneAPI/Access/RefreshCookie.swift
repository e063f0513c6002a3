import Foundation

/// The web page's session transport (`X-Soapstone-Session: cookie`): the refresh token as a
/// cookie the page's scripts cannot read (HttpOnly), sent only over HTTPS (Secure; browsers
/// treat http://127.0.0.1 as secure), never with a request another site starts (SameSite=Strict),
/// and only to the auth paths, which need it for refresh and logout.
enum RefreshCookie {
    static let name = "soapstone_refresh"
    private static let attributes = "Path=/v1/auth; HttpOnly; Secure; SameSite=Strict"

    /// A browser-session cookie (no Max-Age): closing the browser ends it; the server ends the
    /// session on its own too (`SessionLimits`).
    static func setting(_ token: String) -> String {
        "\(name)=\(token); \(attributes)"
    }

    static let clearing = "\(name)=; Max-Age=0; \(attributes)"

    /// The token in a Cookie header (`a=1; soapstone_refresh=…; b=2`), if there is one.
    static func token(in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
