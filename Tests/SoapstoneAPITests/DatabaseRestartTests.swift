import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SoapstoneDatabase
import SoapstoneDevelopment
import SoapstoneTestSupport
import Synchronization
import Testing

/// A database that crashes and comes back must never take the service down. `soapstone serve`
/// runs as a process of its own (a crash of it is its exit, not this test's), on a cluster of
/// the suite's own: the shared one serves every other suite. Eight clients read and save notes
/// while the postmaster is killed with SIGKILL and started again, many times; one outage lasts
/// past the pool's circuit breaker (15 s of failed connects), after which waiting requests fail.
@Suite("Database crashes")
struct DatabaseRestartTests {
    static let cluster = TestCluster(ownNamed: "restarts")

    @Test("PostgreSQL killed under load and restarted, eight times: 503 meanwhile, 200 after, and the server never exits")
    func serverOutlivesDatabaseCrashes() async throws {
        let db = try await Self.cluster.makeDatabase(.seeded, migratedBy: .superuser)
        let encounter = try await db.value(
            """
            SELECT e.id::text FROM encounters e JOIN tenants t ON t.id = e.tenant_id
             WHERE t.slug = 'northside' AND e.status = 'finished' AND NOT e.restricted LIMIT 1
            """)
        let patient = try await db.value(
            "SELECT p.id::text FROM patients p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'northside' LIMIT 1")
        let server = try ServerProcess(databaseURL: db.url())
        defer { server.stop() }
        try await server.waitUntil(healthy: true, within: .seconds(60))

        let token = try await server.login("physician@northside.example")
        var notes: [String] = []
        for index in 0..<8 {
            let created = try await server.call(
                .post, "/v1/encounters/\(encounter)/notes", token: token, json: Self.content("client \(index), version 1"))
            #expect(created.status == 201)
            notes.append(try #require(created.json["id"] as? String))
        }

        let answers = Answers()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, note) in notes.enumerated() {
                    group.addTask { try await Self.work(server, token: token, note: note, patient: patient, client: index, answers: answers) }
                }
                try await group.waitForAll()
            }
        }
        defer { load.cancel() }

        for round in 1...8 {
            try await answers.waitForSuccesses(8, from: server)
            try await Self.cluster.killServer()
            #expect(server.isRunning, "the server exited when PostgreSQL was killed (round \(round))")
            if !server.isRunning { break }
            try await server.waitUntil(healthy: false, within: .seconds(20))
            if round == 4 {
                // Long enough for the pool's circuit breaker: requests waiting for a connection fail.
                try await Task.sleep(for: .seconds(17))
            }
            try await Self.cluster.restartServer()
            try await server.waitUntil(healthy: true, within: .seconds(60))
            try await answers.waitForSuccesses(8, from: server)
            #expect(server.isRunning, "the server exited after PostgreSQL came back (round \(round))")
            if !server.isRunning { break }
        }
        load.cancel()
        _ = await load.result

        let seen = answers.statuses()
        let unexpected = seen.filter { ![200, 412, 503].contains($0.key) }
        let pool = await server.poolMetrics()
        #expect(unexpected.isEmpty, "answers other than 200, 412 and 503 (0: connection lost, -1: none in 40 s): \(seen); \(pool)")
        #expect((seen[503] ?? 0) > 0, "no request met the outage: \(seen)")
        #expect(server.isRunning, "the server exited")
    }

    static func content(_ text: String) -> [String: Any] {
        ["subjective": text, "objective": "", "assessment": "", "plan": ""]
    }

    /// One client: read the patient, save its note from the version it last saw, again and
    /// again. A connection the server dropped is status 0.
    static func work(_ server: ServerProcess, token: String, note: String, patient: String, client: Int, answers: Answers)
        async throws
    {
        var version = 1
        var saves = 0
        while !Task.isCancelled {
            let read = try await server.call(.get, "/v1/patients/\(patient)", token: token)
            answers.record(read.status)
            saves += 1
            let saved = try await server.call(
                .put, "/v1/notes/\(note)", token: token, json: content("client \(client), save \(saves)"),
                headers: [.ifMatch: "\"\(version)\""])
            answers.record(saved.status)
            switch saved.status {
            case 200: version = saved.json["version"] as? Int ?? version
            case 412:
                // A save whose answer was lost with the connection may have landed.
                let current = try await server.call(.get, "/v1/notes/\(note)", token: token)
                answers.record(current.status)
                version = current.json["version"] as? Int ?? version
            default: try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Every status the clients met, and a way to wait for the next successes.
    final class Answers: Sendable {
        private let state = Mutex<(counts: [Int: Int], successes: Int)>(([:], 0))

        func record(_ status: Int) {
            state.withLock {
                $0.counts[status, default: 0] += 1
                if status == 200 { $0.successes += 1 }
            }
        }

        func statuses() -> [Int: Int] { state.withLock { $0.counts } }

        /// Waits (up to a minute) until `count` more requests have succeeded, while `server` runs.
        func waitForSuccesses(_ count: Int, from server: ServerProcess) async throws {
            let target = state.withLock { $0.successes } + count
            for _ in 0..<1200 {
                if state.withLock({ $0.successes }) >= target || !server.isRunning { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("\(count) more successful requests did not come within a minute: \(statuses())")
        }
    }
}

/// `soapstone serve` as a child process on a free loopback port, its output in a log file that
/// is printed when a check fails; stopped by its process id. Spawned with no signal blocked
/// (`ChildProcess`): Foundation's `Process` passes on the blocked signals of the thread that
/// starts it, and the server would never hear its SIGTERM.
final class ServerProcess: Sendable {
    let port: Int
    let metricsPort: Int
    let pid: pid_t
    let log: URL

    init(databaseURL: String) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("soapstone")
        port = try LoopbackPort.free()
        metricsPort = try LoopbackPort.free()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-serve-\(getpid())-\(port).log")
        try? FileManager.default.removeItem(at: log)
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        pid = try ChildProcess.spawn(
            [
                // No backtrace on a crash: the frozen process would hold its clients' connections.
                "/usr/bin/env", "SWIFT_BACKTRACE=enable=no", "DATABASE_URL=\(databaseURL)", "SOAPSTONE_ENV=development",
                "LOG_LEVEL=error",
                "SOAPSTONE_JWT_SIGNING_KEY=\(key)", "SOAPSTONE_AUTH_REQUESTS_PER_MINUTE=10000",
                executable.path, "serve", "--host", "127.0.0.1", "--port", String(port),
                "--metrics-port", String(metricsPort),
            ], workingDirectory: "/", log: log.path)
    }

    /// Alive, and still the program started (not a zombie waiting for `stop`).
    var isRunning: Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return false
        }
        return !stat.contains(") Z ")
    }

    /// SIGTERM, and the exit status it ends with; a status other than 0 (a crash, say) is
    /// reported with the end of the server's log.
    func stop() {
        kill(pid, SIGTERM)
        let status = (try? ChildProcess.waitForExit(of: pid, named: "soapstone serve")) ?? -1
        if status != 0 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            Issue.record("soapstone serve ended with status \(status):\n\(text.suffix(4000))")
        } else {
            try? FileManager.default.removeItem(at: log)
        }
    }

    /// The database pool's lines of `GET /metrics`, to tell a stuck lease from a stuck query.
    func poolMetrics() async -> String {
        guard
            let answer = try? await TestClient.withClient(
                host: "127.0.0.1", port: metricsPort,
                operation: { client in try await client.execute(.init("/metrics", method: .get)) })
        else { return "no metrics" }
        return String(buffer: answer.body ?? ByteBuffer()).split(separator: "\n").filter { $0.hasPrefix("soapstone_db_pool") }
            .joined(separator: "; ")
    }

    /// Waits until `GET /health` answers 200 (healthy) or anything else (not).
    func waitUntil(healthy: Bool, within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            #expect(isRunning, "soapstone serve exited")
            if !isRunning { return }
            if (try await call(.get, "/health").status == 200) == healthy { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("GET /health did not become \(healthy ? "200" : "503") within \(limit)")
    }

    func login(_ email: String) async throws -> String {
        let answer = try await call(
            .post, "/v1/auth/login", json: ["tenant": "northside", "email": email, "password": TestApp.password])
        return try #require(answer.json["access_token"] as? String, "login gave \(answer.status)")
    }

    /// One request on a connection of its own; status 0 when the connection failed, and -1 when
    /// no answer came within 40 s. A request that arrives while PostgreSQL is down waits for a
    /// connection until the pool's circuit breaker trips (its first failed connect after 15 s,
    /// up to about 20 s) and then answers 503; one that never answers is held by the server
    /// (as requests were whose ROLLBACK went to a closed connection, before `requireOpen`).
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: Any? = nil, headers: HTTPFields = [:]
    ) async throws -> (status: Int, json: [String: Any]) {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        let request = TestClient.Request(path, method: method, headers: headers, body: body)
        let port = port
        let answer = Mutex<CheckedContinuation<(Int, Data), Never>?>(nil)
        let (status, data) = await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            let resume: @Sendable ((Int, Data)) -> Void = { result in answer.withLock { $0?.resume(returning: result); $0 = nil } }
            // The request and its deadline race; a request that loses is left to end with the server.
            let sending = Task {
                do {
                    let response = try await TestClient.withClient(
                        host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))
                    ) { client in
                        try await client.execute(request)
                    }
                    resume((Int(response.status.code), response.body.map { Data(buffer: $0) } ?? Data()))
                } catch {
                    resume((0, Data()))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(40))
                resume((-1, Data()))
                sending.cancel()
            }
        }
        try Task.checkCancellation()
        return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}
