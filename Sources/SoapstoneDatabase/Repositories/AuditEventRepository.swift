import Foundation
import PostgresNIO
import SoapstoneCore

/// The append-only audit log. Written in the same transaction as the work it records, so there
/// is never data without its event or an event without its data.
public struct AuditEventRepository {
    let tx: TenantTransaction

    @discardableResult
    public func record(_ entry: AuditEntry, detail: [String: String] = [:]) async throws -> UUID {
        let detailJSON = String(decoding: try JSONEncoder().encode(detail), as: UTF8.self)
        let rows = try await tx.query(
            """
            INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id,
                                      outcome, detail)
            VALUES (\(tx.tenantID), \(entry.userID), \(entry.role?.rawValue), \(entry.action), \(entry.entityType),
                    \(entry.entityID), \(entry.patientID), \(entry.ip)::inet, \(entry.requestID), \(entry.outcome.rawValue),
                    \(detailJSON)::jsonb)
            RETURNING id
            """)
        for try await id in rows.decode(UUID.self) { return id }
        throw DomainError.notFound
    }

    public func count() async throws -> Int {
        try await tx.query("SELECT count(*) FROM audit_events").collect().first?.decode(Int.self) ?? 0
    }
}

extension TenantTransaction {
    public var auditEvents: AuditEventRepository { AuditEventRepository(tx: self) }
}
