import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneAPI
import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

@Suite("Health")
struct HealthTests {
    func configuration(_ db: TestDatabase, as role: String = TestDatabase.server) -> AppConfiguration {
        AppConfiguration(
            port: 0, database: db.configuration(as: role), auth: AuthConfiguration(keys: SigningKeys(signing: .init())),
            logLevel: .error,
            healthTimeout: .milliseconds(500))
    }

    @Test("GET /health answers 200 with the schema version when the database answers")
    func healthyDatabase() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated, migratedBy: .superuser)
        let app = try await buildApplication(configuration(db))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? String == "ok")
                #expect(body?["schema_version"] as? Int == (try Migration.bundled().last?.version))
            }
        }
    }

    @Test("GET /health answers 503 problem+json when the database stops answering")
    func unreachableDatabase() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated, migratedBy: .superuser)
        let app = try await buildApplication(configuration(db))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            // New connections are refused and the open ones are ended: the database is gone.
            try await db.administer("ALTER DATABASE \(db.name) ALLOW_CONNECTIONS false")
            try await db.administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db.name)'")
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? Int == 503)
                #expect(body?["type"] as? String == "https://soapstone.dev/problems/database-unavailable")
            }
            try await db.administer("ALTER DATABASE \(db.name) ALLOW_CONNECTIONS true")
        }
    }

    /// After 15 s of failed connects, once no connection is open, the pool's circuit breaker
    /// fails every waiting request with an error of its own module, which no mapping of
    /// PostgreSQL's errors knows: it must still be the database being unavailable, 503, never a
    /// 500. About 70 s: the pool's idle connection closes after its 60 s idle timeout first.
    @Test("A database that stays unreachable past the pool's circuit breaker answers 503, not 500")
    func circuitBreakerAnswers503() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded, migratedBy: .superuser)
        var configuration = configuration(db)
        configuration.auth.isProduction = false  // the seeded accounts' development password
        // A token while the database answers (a login over a socket: it needs the client's
        // address); then the in-memory channel, whose client waits as long as the pool does.
        let token = try await TokenAttackTests.issue(with: configuration)
        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            try await db.administer("ALTER DATABASE \(db.name) ALLOW_CONNECTIONS false")
            try await db.administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db.name)'")
            try await client.execute(uri: "/v1/auth/me", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("database-unavailable"))
            }
            try await db.administer("ALTER DATABASE \(db.name) ALLOW_CONNECTIONS true")
        }
    }

    @Test("When the database ends the pool's connections, no request answers 500 and the pool opens new ones")
    func connectionsEndedByTheDatabase() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let nurse = try await client.token("nurse")
            let found = try await client.call(.get, "/v1/patients?q=hart", token: nurse).json["items"] as? [[String: Any]]
            let id = try #require(found?.first?["id"] as? String)
            // Every connection of the pool at once, as a restart or a failover would.
            try await app.db.administer(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(app.db.name)'")
            var statuses: [UInt] = []
            for _ in 0..<4 {
                let answer = try await client.call(.get, "/v1/patients/\(id)", token: nurse)
                statuses.append(UInt(answer.status.code))
                if answer.status == .serviceUnavailable {
                    #expect(answer.json["type"] as? String == "https://soapstone.dev/problems/database-unavailable")
                }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 }, "statuses: \(statuses)")
            #expect(statuses.last == 200, "statuses: \(statuses)")
        }
    }

    @Test("A privilege the server's role lacks is our fault: 500 problem+json, never disguised as 404; nothing written")
    func missingPrivilegeIsServerFault() async throws {
        let app = try await TestApp.make()
        // As a DBA's mistake would leave it: patient search keys need search_key().
        _ = try await app.db.strings("REVOKE EXECUTE ON FUNCTION search_key(text) FROM soapstone_app")
        try await app.run { client in
            let answer = try await client.call(
                .post, "/v1/patients",
                json: ["mrn": "NS-4242", "given_name": "Ada", "family_name": "Quinn", "birth_date": "1980-01-01", "sex": "female"],
                token: try await client.token("nurse"))
            #expect(answer.status == .internalServerError)
            #expect(answer.headers[.contentType] == "application/problem+json")
            #expect(answer.problemType == "internal")
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("permission"))
        }
        #expect(try await app.db.strings("SELECT count(*)::text FROM patients WHERE mrn = 'NS-4242'") == ["0"])
    }

    @Test("An unknown path answers 404 problem+json")
    func unknownPath() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated, migratedBy: .superuser)
        let app = try await buildApplication(configuration(db))
        try await app.test(.router) { client in
            try await client.execute(uri: "/no/such/thing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("The application refuses to start as a superuser or as the owner")
    func refusesPrivilegedRoles() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        for role in [TestDatabase.superuser, TestDatabase.owner] {
            let app = try await buildApplication(configuration(db, as: role))
            // The production path (not app.test, whose set-up can miss a shutdown when a
            // before-start check throws at once): run() must end, with the refusal.
            let outcome = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        try await app.run()
                        return "ran and stopped without refusing"
                    } catch let refusal as StartupRefusal {
                        return "refused: \(refusal)"
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    return "still running after 30 s"
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            #expect(outcome.hasPrefix("refused: refusing to serve: database role \(role)"), "\(outcome)")
        }
    }
}
