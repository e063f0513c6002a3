import Crypto
import Foundation
import Logging
import Hummingbird
import HummingbirdTesting
import SoapstoneAPI
import SoapstoneDatabase
import SoapstoneTestSupport
import Synchronization
import Testing

/// A clock the tests move by hand: lockouts and expiries without sleeping.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A server on a database of the test's own (seeded: the development clinics and accounts).
struct TestApp {
    /// The servers' log level: critical, so that refusals the tests provoke stay quiet;
    /// `SOAPSTONE_TEST_LOG=error swift test …` shows what a 500 was.
    static let logLevel = ProcessInfo.processInfo.environment["SOAPSTONE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical

    let db: TestDatabase
    let clock = TestClock()
    /// Instances of one deployment share their keys: pass the first's to a second.
    var keys = SigningKeys(signing: Curve25519.Signing.PrivateKey())
    var configure: @Sendable (inout AppConfiguration) -> Void = { _ in }

    static let password = "soapstone-dev-password"

    /// The schema as a superuser migrates it: a DBA may, and the server, a plain member of
    /// soapstone_app, must serve every operation on it all the same (the owner's way is the
    /// database tests' template).
    static func make(
        _ template: TestCluster.Template = .seeded, configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in }
    )
        async throws -> TestApp
    {
        TestApp(db: try await TestCluster.shared.makeDatabase(template, migratedBy: .superuser), configure: configure)
    }

    func configuration() -> AppConfiguration {
        var auth = AuthConfiguration(keys: keys)
        auth.bcryptCost = 4  // the cost is a parameter; the tests need bcrypt, not slowness
        auth.isProduction = false  // the seeded accounts log in with the development password
        let clock = clock
        // Only HealthTests is about the health check's deadline, with its own configuration.
        // Elsewhere /health stands for "any request": under a loaded CI machine a short
        // deadline answered it 503 and failed tests about idle connections and throttles.
        var configuration = AppConfiguration(
            port: 0, database: db.configuration(), auth: auth, logLevel: Self.logLevel, healthTimeout: .seconds(30),
            clock: { clock.now })
        configure(&configuration)
        return configuration
    }

    /// Serves over a real socket on 127.0.0.1, as in production: each request runs on its
    /// channel's event loop and uses that loop's pool (`EventLoopPools`), which Hummingbird's
    /// in-memory `.router` channels would skip.
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildApplication(configuration())
        try await app.test(.live) { client in try await body(client) }
    }

    /// Serves on a real port of 127.0.0.1 for as long as `body` runs, for clients outside the
    /// process (a browser).
    func serve(_ body: @escaping @Sendable (_ port: Int) async throws -> Void) async throws {
        let app = try await buildApplication(configuration())
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }
}

/// JSON in, JSON out, for the tests' requests.
extension TestClientProtocol {
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, token: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            Answer(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    func login(_ organization: String = "northside", _ email: String, password: String = TestApp.password) async throws -> Answer
    {
        try await call(.post, "/v1/auth/login", json: ["tenant": organization, "email": email, "password": password])
    }

    /// An access token of a seeded account, e.g. `token("physician")` for physician@northside.example.
    func token(_ local: String, in organization: String = "northside") async throws -> String {
        let answer = try await login(organization, "\(local)@\(organization).example")
        #expect(answer.status == .ok, "login of \(local)@\(organization) gave \(answer.status)")
        return try #require(answer.json["access_token"] as? String)
    }
}

struct Answer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var problemType: String? { (json["type"] as? String)?.replacingOccurrences(of: "https://soapstone.dev/problems/", with: "") }
}

/// Who may read and write patients and encounters (docs/design.md): (account, reads, writes).
enum DemographicsAccess {
    static let cases: [(String, Bool, Bool)] = [
        ("admin", true, false), ("physician", true, true), ("nurse", true, true), ("frontdesk", true, true),
        ("auditor", false, false),
    ]
}
