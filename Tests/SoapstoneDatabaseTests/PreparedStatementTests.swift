import Foundation
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// The read path's statements are prepared once per connection and then only executed: the
/// connection's own list of prepared statements shows each once, with every execution counted.
@Suite("Prepared statements")
struct PreparedStatementTests {
    @Test("The tenant statement, the patient read and search, the note save and the audit insert are prepared once, executed many times")
    func preparedOnce() async throws {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let patient = try #require(
            UUID(uuidString: try await db.value("SELECT id::text FROM patients WHERE tenant_id = '\(a)' LIMIT 1")))
        let user = try #require(
            UUID(uuidString: try await db.value("SELECT id::text FROM users WHERE tenant_id = '\(a)' AND role = 'physician'")))
        let principal = Principal(userID: user, tenantID: a, role: .physician)
        let entry = { @Sendable (action: AuditAction, patient: UUID?) in
            AuditEntry(principal, action, entityType: "patient", entityID: patient, patientID: patient, origin: .none)
        }
        let draft = try #require(
            UUID(uuidString: try await db.value("SELECT id::text FROM notes WHERE tenant_id = '\(a)' AND status = 'draft' LIMIT 1")))
        let seen: [String] = try await db.withDatabase { database in
            do {
                try await database.withTenant(a, userID: user) { tx in
                    for _ in 0..<3 {
                        // The request functions' calls, inside a transaction as the seed runs them.
                        for try await read in try await tx.execute(
                            ReadPatient(tenantID: a, id: patient, audit: entry(.patientRead, patient)))
                        {
                            #expect(read.id == patient)
                        }
                        for try await _ in try await tx.execute(
                            SearchPatients(
                                tenantID: a, search: PatientSearch(text: "a", active: nil, limit: 5, after: nil),
                                audit: entry(.patientList, nil), detail: [:]))
                        {}
                        try await tx.auditEvents.record(entry(.patientRead, patient))
                        for try await advance in try await tx.execute(
                            AdvanceNote(
                                tenantID: a, id: draft, expected: .any, rule: NoteLifecycle.rule(.save),
                                content: NoteContent(subjective: "S", objective: "O", assessment: "A", plan: "P"),
                                authorID: user, reason: nil, unresolvedConflict: false, audit: entry(.noteUpdate, nil), detail: [:]))
                        {
                            guard case .advanced = advance else { Issue.record("the save was refused: \(advance)"); continue }
                        }
                    }
                    var statements: [String] = []
                    let rows = try await tx.query(
                        """
                        SELECT name || ' ' || (generic_plans + custom_plans)::text FROM pg_prepared_statements
                         WHERE name IN ('SoapstoneDatabase.SetTenant', 'SoapstoneDatabase.ReadPatient',
                                        'SoapstoneDatabase.SearchPatients', 'SoapstoneDatabase.RecordAuditEvent',
                                        'SoapstoneDatabase.AdvanceNote')
                         ORDER BY name
                        """)
                    for try await line in rows.decode(String.self) { statements.append(line) }
                    throw Rollback(statements: statements)  // never keep what a test wrote
                }
            } catch let rollback as Rollback {
                return rollback.statements
            }
            return []
        }
        #expect(seen.count == 5, "\(seen)")
        for name in ["ReadPatient", "SearchPatients", "RecordAuditEvent", "AdvanceNote"] {
            #expect(seen.contains("SoapstoneDatabase.\(name) 3"), "\(seen)")
        }
        #expect(seen.contains { $0.hasPrefix("SoapstoneDatabase.SetTenant ") }, "\(seen)")
    }

    struct Rollback: Error {
        let statements: [String]
    }
}
