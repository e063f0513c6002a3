import Foundation
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// The rule of docs/design.md, "The request's way": an operation on tenant data reaches the
/// database one way, either as one request function of the database (a `TenantCall` in
/// `Requests/`) or as repository statements inside `withTenant`; the audit event is written
/// by the one insert, `soapstone_record_audit`. These read the catalog and the sources.
@Suite("The request's way")
struct RequestWayTests {
    static let sources = UnreadResultTests.sources

    static func swiftFiles(under folder: String) throws -> [(path: String, text: String)] {
        let root = sources.appendingPathComponent(folder)
        let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        return try paths.filter { $0.hasSuffix(".swift") }.sorted().map {
            ("\(folder)/\($0)", try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8))
        }
    }

    @Test("Each request function of the catalog is called from one file of Requests/, and named nowhere else")
    func requestFunctionsHaveOneCaller() async throws {
        let db = try await CatalogFixture.database.value
        let functions = try await db.strings(
            "SELECT p.proname::text FROM pg_proc p WHERE \(Distribution.requestFunctionCondition) ORDER BY 1"
        ).compactMap { $0 }
        #expect(functions.count >= 3, "\(functions)")
        let everySource = try ["SoapstoneDatabase", "SoapstoneAPI", "SoapstoneDevelopment", "soapstone"]
            .flatMap { try Self.swiftFiles(under: $0) }
        for function in functions {
            let naming = everySource.filter { $0.text.contains("\(function)(") }.map(\.path)
            #expect(naming.count == 1 && naming.allSatisfy { $0.hasPrefix("SoapstoneDatabase/Requests/") },
                    "\(function) is called from \(naming)")
        }
        // And every file of Requests/ calls one of them.
        for file in try Self.swiftFiles(under: "SoapstoneDatabase/Requests") {
            #expect(functions.contains { file.text.contains("\($0)(") }, "\(file.path) calls no request function")
        }
    }

    @Test("The API's services and handlers write no SQL: they use repositories in withTenant, or a Database request")
    func apiWritesNoSQL() throws {
        for file in try Self.swiftFiles(under: "SoapstoneAPI") {
            for marker in ["PostgresQuery", "unsafeSQL", ".query(", "PostgresPreparedStatement", "TenantTransaction("] {
                #expect(!file.text.contains(marker), "\(file.path) contains \(marker)")
            }
        }
    }

    @Test("Audit events are inserted by soapstone_record_audit alone")
    func oneAuditInsert() async throws {
        for file in try ["SoapstoneDatabase", "SoapstoneAPI", "SoapstoneDevelopment", "soapstone"].flatMap({
            try Self.swiftFiles(under: $0)
        }) {
            #expect(!file.text.lowercased().contains("into audit_events"), "\(file.path) inserts audit events itself")
        }
        let db = try await CatalogFixture.database.value
        let inserting = try await db.strings(
            """
            SELECT p.proname::text FROM pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace AND p.prosrc ~* 'insert\\s+into\\s+audit_events'
             ORDER BY 1
            """)
        #expect(inserting == ["soapstone_record_audit"])
    }
}
