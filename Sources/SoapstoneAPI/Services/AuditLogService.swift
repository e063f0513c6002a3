import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// The audit log as admins and auditors read it. Reading it is an access like any other, and
/// audited so: who looked, for what.
struct AuditLogService: Sendable {
    let database: Database

    /// One page of the log for `filter`; `asked` is the filter as the caller wrote it, kept
    /// with the event of this reading.
    func search(_ filter: AuditEventFilter, asked: [String: String], by principal: Principal) async throws -> (
        events: [AuditEvent], next: AuditEventCursor?
    ) {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            let page = try await tx.auditEvents.search(filter)
            var detail = asked
            detail["count"] = String(page.events.count)
            try await tx.auditEvents.record(
                AuditEntry(principal, .auditRead, entityType: "audit_log", entityID: nil, patientID: filter.patientID),
                detail: detail)
            return page
        }
    }

    /// The organisation's audit chain, re-computed (`AuditChain.verify`); the reading audited
    /// with what it found.
    func verify(by principal: Principal) async throws -> AuditChain.Verification {
        let verification = try await database.verifyAuditChain(tenantID: principal.tenantID)
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            var detail = ["status": verification.intact ? "intact" : "broken", "events": String(verification.events)]
            if let broken = verification.firstBreak {
                detail["break_position"] = String(broken.position)
                detail["break_kind"] = broken.kind.rawValue
            }
            try await tx.auditEvents.record(
                AuditEntry(principal, .auditVerify, entityType: "audit_log", entityID: nil, patientID: nil), detail: detail)
        }
        return verification
    }
}
