import Foundation
import PostgresNIO
import SoapstoneCore

public struct EncounterRepository {
    let tx: TenantTransaction

    public func create(
        id: UUID = UUID(), patientID: UUID, type: EncounterType, status: EncounterStatus = .planned,
        startedAt: Date? = nil, endedAt: Date? = nil, reason: String?, attendingUserID: UUID?
    ) async throws -> Encounter {
        let rows = try await tx.query(
            """
            INSERT INTO encounters (id, tenant_id, patient_id, type, status, started_at, ended_at, reason, attending_user_id)
            VALUES (\(id), \(tx.tenantID), \(patientID), \(type.rawValue), \(status.rawValue), \(startedAt), \(endedAt),
                    \(reason), \(attendingUserID))
            RETURNING \(unescaped: Self.columns)
            """)
        guard let encounter = try await Self.first(rows) else { throw DomainError.notFound }
        return encounter
    }

    public func find(id: UUID) async throws -> Encounter? {
        try await Self.first(tx.query("SELECT \(unescaped: Self.columns) FROM api_encounters WHERE id = \(id)"))
    }

    static let columns = "id, patient_id, type, status, started_at, ended_at, reason, attending_user_id"

    static func first(_ rows: PostgresRowSequence) async throws -> Encounter? {
        for try await row in rows.decode((UUID, UUID, String, String, Date?, Date?, String?, UUID?).self) {
            return Encounter(
                id: row.0, patientID: row.1, type: EncounterType(rawValue: row.2) ?? .inPerson,
                status: EncounterStatus(rawValue: row.3) ?? .planned, startedAt: row.4, endedAt: row.5, reason: row.6,
                attendingUserID: row.7)
        }
        return nil
    }
}

extension TenantTransaction {
    public var encounters: EncounterRepository { EncounterRepository(tx: self) }
}
