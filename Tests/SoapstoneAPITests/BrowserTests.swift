import Foundation
import SoapstoneTestSupport
import Testing

/// The web page in a real Chromium (tests/browser, Python and Selenium): two servers on
/// throwaway databases, one with a 3-second idle timeout, and the browser suite against them.
/// tests/browser/setup installs Chromium and the virtualenv where they are missing.
@Suite("Browser")
struct BrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("Login, sign-up, lockout, session restore, idle logout, policy and accessibility, in Chromium")
    func chromium() async throws {
        // Every browser of the suite is one address, and the test clock stands still: the
        // per-address throttle would count all of their logins and refreshes in one minute.
        // The editor keeps a version after a 2-second pause in typing (the tests wait on that).
        let app = try await TestApp.make {
            $0.auth.requestsPerMinutePerAddress = 1_000_000
            $0.auth.webAutosavePause = 2
        }
        let idle = try await TestApp.make {
            $0.auth.requestsPerMinutePerAddress = 1_000_000
            $0.auth.webIdleTimeout = 3
        }
        try await app.serve { port in
            try await idle.serve { idlePort in
                let (status, output) = try await ScriptRun.run(
                    ["tests/browser/run", "http://127.0.0.1:\(port)", "http://127.0.0.1:\(idlePort)"], log: "browser")
                #expect(status == 0, "the browser tests failed:\n\(output.suffix(8000))")
            }
        }
    }
}
