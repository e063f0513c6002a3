import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneDatabase
import SoapstoneDevelopment
import SoapstoneTestSupport
import Testing

/// docs/design.md rule 9: every statement the server and the seed run on a distributed table names
/// its tenant (`tenant_id = $1`), so Citus sends it to one shard, and RLS stays the guard; and
/// none has what Citus refused in issue 18 (a non-immutable value per row in RETURNING or
/// ON CONFLICT … SET, an INSERT … SELECT without an alias for its target).
/// PostgreSQL records every statement it runs, those inside our functions included
/// (pg_stat_statements with `track = all`, on in the test cluster); this suite seeds a
/// database of its own, calls every operation of the API on it, and reads them back.
@Suite("Statement routing")
struct StatementRoutingTests {
    /// A comparison of tenant_id with a value (a parameter, a function's argument or
    /// variable, a trigger's NEW row), not with another table's tenant_id: only a value routes.
    /// PostgreSQL's own key checks write theirs as `"tenant_id" OPERATOR(pg_catalog.=) $1`.
    static func namesTenant() throws -> Regex<AnyRegexOutput> {
        try Regex(#"(?i)"?tenant_id"?\s*(=|OPERATOR\(pg_catalog\.=\))\s*(\$\d+|(new|old)\.\w+|\w+\b(?!\.))"#)
    }

    @Test(
        "Every statement on a distributed table names its tenant and is one Citus takes",
        .disabled(
            if: TestServer.externalURL != nil,
            "reads what one server's pg_stat_statements saw; on Citus the request functions run on the workers, and the suites there are the check itself"))
    func everyStatementNamesItsTenant() async throws {
        let app = try await TestApp.make(.migrated)
        try await app.db.withDatabase { database in
            _ = try await DevelopmentSeed(database: database, logger: .init(label: "seed"), hasher: PasswordHasher(cost: 4))
                .run(environment: DevelopmentAccounts.developmentEnvironment)
        }
        try await app.run { client in try await Self.callEveryOperation(client, app: app) }

        _ = try await app.db.strings("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        let tables = try await app.db.strings(
            """
            SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v')
            """
        ).compactMap { $0 }.filter { name in
            !Distribution.referenceTables.contains(name) && !Distribution.referenceTables.contains { "api_\($0)" == name }
        }
        #expect(tables.count >= 16, "tables and their views: \(tables)")
        // Simple word boundaries: Unicode's keep `public.audit_seals` one word, and the
        // statements of the functions that name the schema would go unchecked.
        let distributed = try Regex(#"(?i)\b("# + tables.joined(separator: "|") + #")\b"#).wordBoundaryKind(.simple)
        let statements = try await app.db.strings(
            "SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).compactMap { $0 }
        #expect(statements.count > 50, "the statements recorded: \(statements.count)")
        let touching = try statements.filter {
            try $0.contains(distributed) && !Self.isDDL($0) && !(try Self.insertsValues($0)) && !Self.acrossTenants.contains($0)
        }
        #expect(touching.count > 20)
        let namesTenant = try Self.namesTenant()
        for statement in touching {
            #expect(statement.contains(namesTenant), "no tenant named: \(statement)")
        }

        // What Citus refuses on a distributed table besides: a value computed per shard where
        // it must be one (RETURNING, ON CONFLICT … SET), and an INSERT … SELECT whose target
        // has no alias (its RETURNING then names a table the shard's query does not have).
        let changing = try statements.filter { try $0.contains(distributed) && !Self.isDDL($0) }
        #expect(changing.flatMap(Self.perRowClauses).count > 10, "RETURNING and ON CONFLICT clauses found")
        let called = Set((changing + Self.refusedByCitus).flatMap { Self.perRowClauses(of: $0).flatMap(Self.calledFunctions) })
        let notImmutable = Set(
            try await app.db.strings(
                """
                SELECT proname::text FROM pg_proc WHERE proname = ANY(ARRAY['\(called.sorted().joined(separator: "','"))'])
                 GROUP BY proname HAVING bool_and(provolatile <> 'i')
                """
            ).compactMap { $0 })
        for statement in changing {
            let refusals = try Self.refusals(in: statement, notImmutable: notImmutable)
            #expect(refusals.isEmpty, "\(refusals) in: \(statement)")
        }
        // The check itself finds what Citus refused in the server's statements of before.
        for statement in Self.refusedByCitus {
            #expect(try !Self.refusals(in: statement, notImmutable: notImmutable).isEmpty, "not found: \(statement)")
        }
    }

    /// Statements of the server that Citus 13 refused on distributed tables (issue 18).
    static let refusedByCitus = [
        "INSERT INTO idempotency_keys (tenant_id, user_id, key) VALUES ($1, $2, $3) "
            + "ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET created_at = now() RETURNING key",
        "UPDATE patients SET phone = $3 WHERE tenant_id = $1 AND id = $2 RETURNING id, birth_date::text",
        "INSERT INTO notes (tenant_id, id, encounter_id) SELECT $1, $2, e.id FROM encounters e "
            + "WHERE e.tenant_id = $1 AND e.id = $3 RETURNING notes.id",
    ]

    /// Why Citus would refuse `statement` on a distributed table, if it would.
    static func refusals(in statement: String, notImmutable: Set<String>) throws -> [String] {
        var found: [String] = []
        for clause in perRowClauses(of: statement) {
            found += calledFunctions(in: clause).filter(notImmutable.contains).map { "\($0)() per row" }
            found += sqlValueFunctions.filter { clause.lowercased().contains($0) }.map { "\($0) per row" }
            if clause.contains(try Regex(#"(?i)::\s*(text|varchar|character varying)\b"#)) { found.append("a cast to text per row") }
        }
        for insert in statement.matches(of: try Regex(#"(?is)\bINSERT\s+INTO\s+\w+\s*\([^)]*\)\s*(SELECT|WITH)\b"#)) {
            let rest = String(statement[insert.range.lowerBound...])
            if enclosed(rest, stoppingAt: nil).uppercased().contains("RETURNING") {
                found.append("INSERT … SELECT … RETURNING without an alias for its target")
            }
        }
        return found
    }

    /// The SQL value functions written without parentheses: none is immutable.
    static let sqlValueFunctions = ["current_timestamp", "current_date", "current_time", "localtimestamp", "localtime"]

    /// The parts of a statement Citus evaluates once per row on the shard and so wants
    /// immutable: its RETURNING lists and an ON CONFLICT … DO UPDATE SET, each up to the end of
    /// the parentheses it stands in (a CTE's RETURNING ends with the CTE), upper-cased.
    static func perRowClauses(of statement: String) -> [String] {
        let upper = statement.uppercased()
        return upper.indices.compactMap { index in
            let rest = upper[index...]
            if startsWord("RETURNING", in: upper, at: index) {
                return enclosed(String(rest.dropFirst(9)), stoppingAt: nil)
            }
            if startsWord("ON CONFLICT", in: upper, at: index) {
                return enclosed(String(rest.dropFirst(11)), stoppingAt: "RETURNING")
            }
            return nil
        }
    }

    /// Whether `word` starts at `index` of `upper`, not inside a longer name.
    static func startsWord(_ word: String, in upper: String, at index: String.Index) -> Bool {
        upper[index...].hasPrefix(word)
            && (index == upper.startIndex || !(upper[upper.index(before: index)].isLetter || upper[upper.index(before: index)] == "_"))
    }

    /// `text` up to the `)` that closes the parentheses it starts in, or up to `stop` outside
    /// any parentheses it opens, or whole.
    static func enclosed(_ text: String, stoppingAt stop: String?) -> String {
        let upper = text.uppercased()
        var depth = 0
        var index = upper.startIndex
        while index < upper.endIndex {
            if upper[index] == "(" { depth += 1 }
            if upper[index] == ")" {
                if depth == 0 { break }
                depth -= 1
            }
            if depth == 0, let stop, startsWord(stop, in: upper, at: index) { break }
            index = upper.index(after: index)
        }
        return String(upper[..<index])
    }

    /// The names called as functions in `clause` (`name(`), lower-cased.
    static func calledFunctions(in clause: String) -> [String] {
        clause.matches(of: #/([A-Za-z_][A-Za-z0-9_]*)\s*\(/#).map { String($0.output.1).lowercased() }
    }

    /// Migrations' DDL and the catalog queries beside them are not the server's statements.
    static func isDDL(_ statement: String) -> Bool {
        let first = statement.drop { $0.isWhitespace }.prefix(12).uppercased()
        return ["CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "COMMENT", "DO ", "SET ", "RESET"].contains { first.hasPrefix($0) }
    }

    /// `INSERT … VALUES`: Citus routes it by the tenant_id among its values.
    static func insertsValues(_ statement: String) throws -> Bool {
        statement.contains(try Regex(#"(?is)^\s*INSERT\s+INTO\s+(\w+\.)?\w+(\s+AS\s+\w+)?\s*\([^)]*\)\s*VALUES"#))
    }

    /// The statements that read every organisation on purpose, which Citus runs on every shard:
    /// the ids of the sessions ended lately, that an instance starting up refuses
    /// (`auth_revoked_sessions`, migration 20), and nothing else of them.
    static let acrossTenants: Set<String> = [
        "SELECT s.id FROM public.sessions s WHERE s.ended_at >= now() - make_interval(secs => within_seconds)"
    ]

    /// Each operation of the API once, so that each of its statements runs; the statuses are
    /// checked so that a failure early in a handler cannot hide the statements after it.
    static func callEveryOperation(_ client: some TestClientProtocol, app: TestApp) async throws {
        let physician = try await client.token("physician")
        let admin = try await client.token("admin")
        let auditor = try await client.token("auditor")
        func call(
            _ method: HTTPRequest.Method, _ uri: String, _ json: Any? = nil, token: String?, ifMatch: String? = nil,
            expect: HTTPResponse.Status
        ) async throws -> [String: Any] {
            let answer = try await client.call(
                method, uri, json: json, token: token, headers: ifMatch.map { [.ifMatch: "\"\($0)\""] } ?? [:])
            #expect(answer.status == expect, "\(method) \(uri): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
            return answer.status == expect ? answer.json : [:]
        }
        // Authentication and the organisation.
        let signUp = try await call(.post, "/v1/auth/register", AuthFlowTests.newOrganization, token: nil, expect: .created)
        #expect(signUp["access_token"] != nil)
        let login = try await client.login("northside", "nurse@northside.example")
        let refresh = try #require(login.json["refresh_token"] as? String)
        let renewed = try await call(.post, "/v1/auth/refresh", ["refresh_token": refresh], token: nil, expect: .ok)
        _ = try await call(
            .post, "/v1/auth/logout", ["refresh_token": renewed["refresh_token"] as? String ?? ""], token: nil, expect: .noContent)
        _ = try await call(.get, "/v1/auth/me", token: physician, expect: .ok)
        // Users.
        _ = try await call(.get, "/v1/users", token: admin, expect: .ok)
        _ = try await call(.get, "/v1/staff", token: physician, expect: .ok)
        let user = try await call(
            .post, "/v1/users", ["email": "routing@northside.example", "name": "Routing", "password": "a fine long password", "role": "nurse"],
            token: admin, expect: .created)
        let userID = try #require(user["id"] as? String)
        _ = try await call(.get, "/v1/users/\(userID)", token: admin, expect: .ok)
        _ = try await call(.patch, "/v1/users/\(userID)", ["name": "Routed", "active": false], token: admin, expect: .ok)
        // Patients.
        _ = try await call(.get, "/v1/patients?q=men", token: physician, expect: .ok)
        _ = try await call(.post, "/v1/patients/search", ["q": "NS-1001"], token: physician, expect: .ok)
        let patient = try await call(.post, "/v1/patients", PatientTests.newPatient(), token: physician, expect: .created)
        let patientID = try #require(patient["id"] as? String)
        _ = try await call(.get, "/v1/patients/\(patientID)", token: physician, expect: .ok)
        _ = try await call(.patch, "/v1/patients/\(patientID)", ["phone": "+1 555 0199"], token: physician, expect: .ok)
        // Encounters and notes.
        let encounter = try await call(.post, "/v1/patients/\(patientID)/encounters", ["type": "phone"], token: physician, expect: .created)
        let encounterID = try #require(encounter["id"] as? String)
        _ = try await call(.get, "/v1/patients/\(patientID)/encounters", token: physician, expect: .ok)
        _ = try await call(.get, "/v1/encounters/\(encounterID)", token: physician, expect: .ok)
        _ = try await call(.patch, "/v1/encounters/\(encounterID)", ["status": "in_progress"], token: physician, expect: .ok)
        let note = try await call(.post, "/v1/encounters/\(encounterID)/notes", NoteTests.content("v1"), token: physician, expect: .created)
        let noteID = try #require(note["id"] as? String)
        _ = try await call(.get, "/v1/encounters/\(encounterID)/notes", token: physician, expect: .ok)
        _ = try await call(.get, "/v1/draft-notes", token: physician, expect: .ok)
        _ = try await call(.put, "/v1/notes/\(noteID)", NoteTests.content("v2"), token: physician, ifMatch: "1", expect: .ok)
        _ = try await call(.post, "/v1/notes/\(noteID)/sign", token: physician, ifMatch: "2", expect: .ok)
        _ = try await call(
            .post, "/v1/notes/\(noteID)/amend", NoteTests.content("v3").merging(["reason": "Corrected"]) { $1 }, token: physician,
            ifMatch: "2", expect: .ok)
        _ = try await call(.get, "/v1/notes/\(noteID)", token: physician, expect: .ok)
        _ = try await call(.get, "/v1/notes/\(noteID)/versions", token: physician, expect: .ok)
        _ = try await call(.get, "/v1/notes/\(noteID)/versions/1", token: physician, expect: .ok)
        _ = try await call(
            .post, "/v1/notes/\(noteID)/entered-in-error", ["reason": "Wrong patient"], token: physician, ifMatch: "3", expect: .ok)
        _ = try await call(.patch, "/v1/encounters/\(encounterID)", ["status": "finished"], token: physician, expect: .ok)
        // The audit log.
        _ = try await call(.get, "/v1/audit-events?limit=5", token: auditor, expect: .ok)
        _ = try await call(.get, "/v1/audit-events?patient_id=\(patientID)", token: auditor, expect: .ok)
        _ = try await call(.get, "/v1/patients/\(patientID)/access-report", token: auditor, expect: .ok)
        let csv = try await client.call(.get, "/v1/patients/\(patientID)/access-report", token: auditor, headers: [.accept: "text/csv"])
        #expect(csv.status == .ok)
        // The sealer seals what the calls wrote, unless the server's own sealer, in the
        // background, got there first (then its statements ran all the same, finding nothing);
        // the chain is then walked, so that the verifier reads links, not an empty chain.
        _ = try await app.db.withConnection(as: TestDatabase.server) { connection in
            try await AuditChain.seal(on: connection, settle: .zero, late: true, logger: .init(label: "sealer"))
        }
        let verification = try await call(.get, "/v1/audit-events/verification", token: auditor, expect: .ok)
        #expect(verification["status"] as? String == "intact" && (verification["events"] as? Int ?? 0) > 0, "\(verification)")
    }
}
