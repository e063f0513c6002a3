import Foundation
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// What leaves `Database` when PostgreSQL refuses: a `DomainError` for what the client did, by
/// constraint name where one is named, a `DatabaseError` for what the server did; never the
/// driver's error.
@Suite("Database errors")
struct DatabaseErrorTests {
    func failure(_ work: @escaping @Sendable (TenantTransaction) async throws -> Void) async throws -> (any Error)? {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        return try await db.withDatabase { database in
            do {
                try await database.withTenant(a, userID: nil) { tx in
                    try await work(tx)
                    throw CancellationError()  // never keep what a test wrote
                }
            } catch is CancellationError {
                return nil
            } catch {
                return error
            }
            return nil
        }
    }

    @Test("A duplicate MRN, a foreign attending user, a signed note changed, and our own fault, each said as such")
    func translated() async throws {
        let db = try await CatalogFixture.database.value
        let (a, b) = try await CatalogFixture.tenants()
        let mrn = try #require(try await db.strings("SELECT mrn FROM patients WHERE tenant_id = '\(a)' LIMIT 1").first ?? nil)
        let patient = try #require(
            UUID(uuidString: try await db.strings("SELECT id::text FROM patients WHERE tenant_id = '\(a)' LIMIT 1").first!!))
        let foreignUser = try #require(
            UUID(uuidString: try await db.strings("SELECT id::text FROM users WHERE tenant_id = '\(b)' LIMIT 1").first!!))
        let signed = try #require(
            UUID(
                uuidString: try await db.strings(
                    "SELECT id::text FROM notes WHERE tenant_id = '\(a)' AND status = 'signed' LIMIT 1"
                ).first!!))

        let duplicate = try await failure { tx in
            _ = try await tx.patients.create(
                PatientDetails(mrn: mrn, givenName: "Ann", familyName: "Other", birthDate: "2000-01-01", sex: .female))
        }
        #expect(duplicate as? DomainError == .conflict("Another patient has this MRN."))

        let attending = try await failure { tx in
            _ = try await tx.encounters.create(
                patientID: patient, type: .inPerson, reason: nil, attendingUserID: foreignUser)
        }
        #expect(
            attending as? DomainError
                == .validation([FieldError(field: "attending_user_id", message: "is not a user of this organisation")]))

        let lifecycle = try await failure { tx in
            _ = try await tx.query("UPDATE notes SET status = 'draft' WHERE id = \(signed)")
        }
        #expect(lifecycle as? DomainError == .conflict("The record's lifecycle does not allow this change."))

        // Past the validation's byte limits (as a client of the repository could send): the
        // search index's row limit (54000) is still the value's fault.
        let wide = String((0..<199).map { Character(Unicode.Scalar(0x20000 + $0)!) })
        let oversized = try await failure { tx in
            _ = try await tx.patients.create(
                PatientDetails(mrn: "X-54000", givenName: wide, familyName: wide, birthDate: "2000-01-01", sex: .female))
        }
        #expect(
            oversized as? DomainError
                == .validation([FieldError(field: "", message: "is too large for the database to index")]))

        let ours = try await failure { tx in
            _ = try await tx.query("SELECT no_such_function()")
        }
        guard case .unexpected(let state, _)? = ours as? DatabaseError else {
            Issue.record("\(String(describing: ours)) is not an unexpected database error")
            return
        }
        #expect(state == "42883")
    }
}

@Suite("Stored values")
struct StoredValueTests {
    @Test("A stored role or audit action this version does not know fails the read; it is not read as some default")
    func unknownValuesRefused() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let nurse = try #require(UUID(uuidString: try await db.value("SELECT id FROM users WHERE email = 'nurse@northside.example'")))
        let tenant = try #require(UUID(uuidString: try await db.value("SELECT tenant_id FROM users WHERE id = '\(nurse)'")))
        // Written by hand, past the checks: what a newer version or a mistake could leave.
        _ = try await db.strings("ALTER TABLE users DROP CONSTRAINT users_role_check")
        _ = try await db.strings("UPDATE users SET role = 'superuser' WHERE id = '\(nurse)'")
        try await db.withDatabase { database in
            let error = await #expect(throws: DatabaseError.self) {
                try await database.withTenant(tenant, userID: nil) { tx in try await tx.users.find(id: nurse) }
            }
            #expect("\(error.map { "\($0)" } ?? "")" == "column role holds a value this version cannot read as Role")
            // The other users still read as they are.
            let others = try await database.withTenant(tenant, userID: nil) { tx in
                try await tx.query("SELECT count(*) FROM users WHERE role <> 'superuser'").collect().first?.decode(Int.self)
            }
            #expect(others ?? 0 > 0)
        }
        _ = try await db.strings("ALTER TABLE audit_events DISABLE TRIGGER USER")
        _ = try await db.strings(
            "UPDATE audit_events SET action = 'note.archive' WHERE id = (SELECT id FROM audit_events WHERE tenant_id = '\(tenant)' LIMIT 1)")
        try await db.withDatabase { database in
            await #expect(throws: DatabaseError.self) {
                try await database.withTenant(tenant, userID: nil) { tx in try await tx.auditEvents.search(AuditEventFilter(limit: 1000)) }
            }
        }
    }
}
