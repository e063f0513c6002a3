import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// Foreign key checks bypass RLS: with single-column keys tenant A could attach rows to tenant
/// B's patient once it learned the UUID. Composite keys (tenant_id, id) make that impossible.
@Suite("Composite foreign keys")
struct CompositeForeignKeyTests {
    /// Ids of tenant B's rows, as an attacker in tenant A might have learned them.
    func foreignIDs() async throws -> (patient: UUID, encounter: UUID, note: UUID, aUser: UUID, aEncounter: UUID) {
        let db = try await CatalogFixture.database.value
        let (a, b) = try await CatalogFixture.tenants()
        func id(_ sql: String) async throws -> UUID { UUID(uuidString: try await db.strings(sql).first!!)! }
        return (
            try await id("SELECT id::text FROM patients WHERE tenant_id = '\(b)' LIMIT 1"),
            try await id("SELECT id::text FROM encounters WHERE tenant_id = '\(b)' LIMIT 1"),
            try await id("SELECT id::text FROM notes WHERE tenant_id = '\(b)' LIMIT 1"),
            try await id("SELECT id::text FROM users WHERE tenant_id = '\(a)' AND role = 'physician'"),
            try await id("SELECT id::text FROM encounters WHERE tenant_id = '\(a)' LIMIT 1")
        )
    }

    /// The SQLSTATE the database answers the repository's statement with, as the server's role
    /// in tenant A; nil when it is taken. On a connection of its own, not through `Database`,
    /// which turns refusals into domain errors: the test is about the database's own answer.
    func attempt(_ statement: @escaping @Sendable (TenantTransaction) async throws -> Void) async throws -> String? {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let logger = Logger(label: "composite-keys")
        return try await db.withConnection(as: TestDatabase.server) { connection in
            // Rolled back whatever happens: never keep what a test wrote.
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SELECT set_config('app.tenant_id', \(a.uuidString.lowercased()), true)", logger: logger)
            do {
                try await statement(TenantTransaction(connection: connection, tenantID: a, userID: nil, logger: logger))
                try await connection.query("ROLLBACK", logger: logger)
                return nil
            } catch let error as PSQLError {
                try await connection.query("ROLLBACK", logger: logger)
                return error.sqlState
            }
        }
    }

    @Test func encounterCannotPointAtOtherTenantsPatient() async throws {
        let ids = try await foreignIDs()
        let state = try await attempt { tx in
            try await tx.query(
                "INSERT INTO encounters (tenant_id, patient_id, type) VALUES (\(tx.tenantID), \(ids.patient), 'phone')")
        }
        #expect(state == "23503")
    }

    @Test func noteCannotPointAtOtherTenantsEncounter() async throws {
        let ids = try await foreignIDs()
        let db = try await CatalogFixture.database.value
        let bPatient = UUID(
            uuidString: try await db.strings("SELECT patient_id::text FROM encounters WHERE id = '\(ids.encounter)'").first!!)!
        let state = try await attempt { tx in
            try await tx.query(
                """
                INSERT INTO notes (tenant_id, encounter_id, patient_id, current_version, author_id)
                VALUES (\(tx.tenantID), \(ids.encounter), \(bPatient), 1, \(ids.aUser))
                """)
        }
        #expect(state == "23503")
    }

    @Test func noteCannotPairOwnEncounterWithOtherTenantsPatient() async throws {
        let ids = try await foreignIDs()
        let state = try await attempt { tx in
            try await tx.query(
                """
                INSERT INTO notes (tenant_id, encounter_id, patient_id, current_version, author_id)
                VALUES (\(tx.tenantID), \(ids.aEncounter), \(ids.patient), 1, \(ids.aUser))
                """)
        }
        #expect(state == "23503")
    }

    @Test func versionCannotPointAtOtherTenantsNote() async throws {
        let ids = try await foreignIDs()
        let state = try await attempt { tx in
            try await tx.query(
                """
                INSERT INTO note_versions (tenant_id, note_id, version, author_id)
                VALUES (\(tx.tenantID), \(ids.note), 99, \(ids.aUser))
                """)
        }
        #expect(state == "23503")
    }

    @Test func auditEventCannotNameOtherTenantsPatient() async throws {
        let ids = try await foreignIDs()
        let state = try await attempt { tx in
            try await tx.query(
                """
                INSERT INTO audit_events (tenant_id, action, entity_type, patient_id, outcome)
                VALUES (\(tx.tenantID), 'patient.read', 'patient', \(ids.patient), 'success')
                """)
        }
        #expect(state == "23503")
    }

    @Test("The same statements succeed with tenant A's own ids, so the refusals above are about the tenant")
    func ownIdsAreAccepted() async throws {
        let ids = try await foreignIDs()
        let state = try await attempt { tx in
            try await tx.query(
                "INSERT INTO encounters (tenant_id, patient_id, type) SELECT \(tx.tenantID), patient_id, 'phone' FROM encounters WHERE id = \(ids.aEncounter)"
            )
        }
        #expect(state == nil)
    }
}
