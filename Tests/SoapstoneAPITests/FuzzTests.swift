import Foundation
import SoapstoneTestSupport
import Testing

/// schemathesis (tests/fuzz, in a project-local virtualenv) against the document the server
/// serves, with a physician's, an auditor's and an admin's token, for a bounded time per role:
/// no 5xx, and no answer outside its documented statuses, content types, headers and schemas.
/// SOAPSTONE_FUZZ_SECONDS sets the time per role (60 unless told).
@Suite("Fuzzing")
struct FuzzTests {
    @Test("schemathesis finds no 5xx and no answer outside the document")
    func schemathesis() async throws {
        // One fuzzer is one address at a standing test clock: the per-address throttle would
        // answer its every login and refresh 429 (documented, so allowed, but it would test little).
        let app = try await TestApp.make { $0.auth.requestsPerMinutePerAddress = 1_000_000 }
        let seconds = ProcessInfo.processInfo.environment["SOAPSTONE_FUZZ_SECONDS"] ?? "60"
        try await app.run { client in
            let tokens = [
                "SOAPSTONE_PHYSICIAN_TOKEN=\(try await client.token("physician"))",
                "SOAPSTONE_AUDITOR_TOKEN=\(try await client.token("auditor"))",
                "SOAPSTONE_ADMIN_TOKEN=\(try await client.token("admin"))",
            ]
            let port = try #require(client.port)
            let (status, output) = try await ScriptRun.run(
                ["env"] + tokens + ["tests/fuzz/run", "http://127.0.0.1:\(port)", seconds], log: "fuzz")
            #expect(status == 0, "schemathesis found problems:\n\(output.suffix(12000))")
        }
    }
}
