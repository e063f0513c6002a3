import Foundation
import Logging
import NIOCore
import PostgresNIO
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase
@testable import SoapstoneDevelopment

/// Under RLS only leakproof conditions become index conditions; a search that looks right can
/// still read every row of the tenant. These run the repository's own statement with EXPLAIN
/// ANALYZE as the server role and count the rows it read and threw away.
@Suite("Patient search plans")
struct PatientSearchPlanTests {
    static let fixture = Task { () throws -> (TestDatabase, UUID) in
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        _ = try await db.strings(
            """
            INSERT INTO patients (tenant_id, mrn, given_name, family_name, birth_date, sex)
            SELECT t.id, 'PLAN-' || n, (ARRAY['Ana', 'Ben', 'Cleo', 'Dara'])[1 + n % 4],
                   (ARRAY['Garcia', 'Smith', 'Nguyen', 'Wright', 'Zhou'])[1 + n % 5] || (n % 40), DATE '1950-01-01' + n, 'unknown'
              FROM generate_series(1, 3000) AS n, tenants t WHERE t.slug = 'northside'
            """)
        _ = try await db.strings("ANALYZE patients")
        let tenant = try #require(UUID(uuidString: try await db.value("SELECT id FROM tenants WHERE slug = 'northside'")))
        return (db, tenant)
    }

    /// Each search, a later page starting after the patient of the MRN given.
    static let searches: [(name: String, text: String?, active: Bool?, afterMRN: String?)] = [
        ("a family-name prefix late in the order", "zhou3", nil, nil),
        ("a given-name prefix", "dar", true, nil),
        ("an exact MRN", "PLAN-2999", nil, nil),
        ("an MRN in lower case", "plan-2999", nil, nil),
        ("given and family name", "Cleo Smith1", nil, nil),
        ("family, given", "Zhou3, Da", nil, nil),
        ("a later page of the whole list", nil, nil, "PLAN-1203"),
        ("a later page of a search", "smi", nil, "PLAN-1081"),
    ]

    @Test("Searches read index ranges that lead with tenant_id, not the tenant's every row", arguments: searches.indices)
    func searchIsAnIndexRange(_ index: Int) async throws {
        let (name, text, active, afterMRN) = Self.searches[index]
        let (db, tenant) = try await Self.fixture.value
        var after = "NULL"
        if let afterMRN { after = "'\(try await db.value("SELECT id FROM patients WHERE mrn = '\(afterMRN)'"))'" }
        // The server's own function with the parameters SearchPatients binds, seven times: the
        // plan is made once and kept (a generic plan, its SET clause), so the last call's plan is
        // the one every later search runs.
        let ways = SearchPatients.ways(of: text)
        let call = """
            SELECT count(*) FROM soapstone_search_patients(
                '\(tenant)', NULL, \(Self.literal(active)), \(after), 20, \(Self.literal(ways.text)), \(Self.literal(ways.first)),
                \(Self.literal(ways.second)), \(Self.literal(ways.familyFirst)), \(Self.auditLiterals(.patientList)))
            """
        let plans = try await Self.explainNested(Array(repeating: call, count: 7), in: db, matching: "after_row")
        let nodes = Self.flatten(try #require(plans.last?["Plan"] as? [String: Any]))
        let scans = nodes.filter { ($0["Relation Name"] as? String) == "patients" && ($0["Actual Loops"] as? Int ?? 0) > 0 }
        #expect(!scans.isEmpty, "\(name): no scan of patients")
        for scan in scans {
            let condition = (scan["Index Cond"] as? String) ?? ""
            #expect(condition.contains("tenant_id = $1"), "\(name): \(scan["Node Type"] ?? "?") without a tenant index condition")
            // Besides the search, a later page reads the cursor's one patient by its key.
            #expect(
                ["family_key", "given_key", "mrn_key", "(id = "].contains { condition.contains($0) },
                "\(name): the search is not part of the index condition: \(condition)")
        }
        let discarded = nodes.reduce(0) {
            $0 + (($1["Rows Removed by Filter"] as? Int) ?? 0) + (($1["Rows Removed by Index Recheck"] as? Int) ?? 0)
        }
        #expect(discarded < 100, "\(name): read and discarded \(discarded) rows")
    }

    @Test("The read function, past the switch to a generic plan, is still one (tenant_id, id) lookup")
    func readFunctionGeneric() async throws {
        let (db, tenant) = try await Self.fixture.value
        let id = try #require(UUID(uuidString: try await db.value("SELECT id FROM patients WHERE mrn = 'PLAN-1502'")))
        let call = "SELECT count(*) FROM soapstone_read_patient('\(tenant)', NULL, '\(id)', \(Self.auditLiterals(.patientRead)))"
        let plans = try await Self.explainNested(Array(repeating: call, count: 7), in: db, matching: "api_patients")
        #expect(plans.count == 7)
        let nodes = Self.flatten(try #require(plans.last?["Plan"] as? [String: Any]))
        let scan = try #require(nodes.first { ($0["Relation Name"] as? String) == "patients" }, "\(nodes)")
        // $1 and $3: the function's tenant and patient, as a generic plan names them.
        #expect((scan["Index Cond"] as? String)?.contains("(tenant_id = $1) AND (id = $3)") == true, "\(scan)")
        #expect(scan["Filter"] == nil, "\(scan)")
    }

    static func literal(_ value: String?) -> String {
        value.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
    }

    static func literal(_ value: Bool?) -> String { value.map { $0 ? "true" : "false" } ?? "NULL" }

    /// An audit entry of no user, as the functions take it.
    static func auditLiterals(_ action: AuditAction) -> String {
        "NULL, '\(action.rawValue)', 'patient', NULL, NULL, NULL, NULL, NULL, 'success', '{}'"
    }

    /// Runs `statements` in psql as the server's role with auto_explain on for statements
    /// inside functions, and answers the JSON plans of those whose text contains `marker`: a
    /// function's inner statements cannot be EXPLAINed from outside it.
    static func explainNested(_ statements: [String], in db: TestDatabase, matching marker: String) async throws
        -> [[String: Any]]
    {
        // psql beside the initdb the cluster was made with, else Debian's.
        let binaries = try PostgresBinaries.locate(logger: Logger(label: "plan-test"))
        let beside = URL(fileURLWithPath: binaries.initdb).resolvingSymlinksInPath().deletingLastPathComponent()
        let psql = try #require(
            [beside.appendingPathComponent("psql").path, "/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        let setup = [
            "LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_analyze = on",
            "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_format = json",
            "SET auto_explain.log_level = notice", "SET ROLE \(TestDatabase.server)",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments =
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url(as: TestDatabase.superuser)]
            + (setup + statements).flatMap { ["-c", $0] }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        return output.components(separatedBy: "NOTICE:").compactMap { notice in
            guard let start = notice.firstIndex(of: "{"), let end = notice.lastIndex(of: "}") else { return nil }
            let plan = try? JSONSerialization.jsonObject(with: Data(notice[start...end].utf8)) as? [String: Any]
            return (plan?["Query Text"] as? String)?.contains(marker) == true ? plan : nil
        }
    }

    @Test("A patient read by id is one lookup of (tenant_id, id), the tenant condition inlined")
    func readByID() async throws {
        let (db, tenant) = try await Self.fixture.value
        let id = try await db.value("SELECT id FROM patients WHERE mrn = 'PLAN-1500'")
        let explained: Data = try await db.withDatabase { database in
            try await database.withTenant(tenant, userID: nil) { tx in
                let rows = try await tx.query(
                    PostgresQuery(
                        unsafeSQL: "EXPLAIN (ANALYZE, FORMAT JSON) SELECT \(PatientRepository.columns) FROM api_patients WHERE id = $1",
                        binds: { var binds = PostgresBindings(); binds.append(UUID(uuidString: id)!); return binds }()))
                for try await buffer in rows.decode(ByteBuffer.self) { return Data(buffer: buffer) }
                return Data()
            }
        }
        let json = try JSONSerialization.jsonObject(with: explained) as? [[String: Any]]
        let scan = try #require(json?.first?["Plan"] as? [String: Any])
        let condition = scan["Index Cond"] as? String ?? ""
        #expect(condition.contains("tenant_id = ") && condition.contains("id = "), "\(scan)")
        #expect(scan["Filter"] == nil, "\(scan)")
    }

    @Test("Prepared, past the switch to a generic plan, the read by id is still one (tenant_id, id) lookup")
    func readByIDGeneric() async throws {
        let (db, tenant) = try await Self.fixture.value
        let id = try await db.value("SELECT id FROM patients WHERE mrn = 'PLAN-1501'")
        let plan: String = try await db.withDatabase { database in
            try await database.withTenant(tenant, userID: nil) { tx in
                // The server's own statement, prepared under another name in this session.
                _ = try await tx.query(PostgresQuery(unsafeSQL: "PREPARE read_by_id(uuid, uuid) AS \(FindPatient.sql)"))
                let execute = "EXECUTE read_by_id('\(tenant.uuidString.lowercased())', '\(id)')"
                for _ in 0..<6 { _ = try await tx.query(PostgresQuery(unsafeSQL: execute)).collect() }
                var text = ""
                let rows = try await tx.query(PostgresQuery(unsafeSQL: "EXPLAIN (COSTS OFF) " + execute))
                for try await line in rows.decode(String.self) { text += line + "\n" }
                let generic = try await tx.query(
                    "SELECT generic_plans::text FROM pg_prepared_statements WHERE name = 'read_by_id'"
                ).collect().first?.decode(String.self)
                _ = try await tx.query("DEALLOCATE read_by_id")
                return "generic plans: \(generic ?? "?")\n" + text
            }
        }
        #expect(plan.hasPrefix("generic plans: ") && !plan.hasPrefix("generic plans: 0"), "\(plan)")
        #expect(plan.contains("Index Cond: ((tenant_id = $1) AND (id = $2))"), "\(plan)")
        // The policy's condition, once per statement (a one-time filter), never a filter of rows.
        let rowFilters = plan.split(separator: "\n").filter { $0.contains("Filter:") && !$0.contains("One-Time Filter:") }
        #expect(rowFilters.isEmpty && !plan.contains("Seq Scan"), "\(plan)")
    }

    static func flatten(_ node: [String: Any]) -> [[String: Any]] {
        [node] + ((node["Plans"] as? [[String: Any]]) ?? []).flatMap(flatten)
    }
}
