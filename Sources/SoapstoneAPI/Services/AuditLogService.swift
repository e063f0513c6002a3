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
            // The page names the patient of each event: those are shown too.
            try await tx.auditEvents.record(
                AuditEntry(principal, .auditRead, entityType: "audit_log", entityID: nil, patientID: filter.patientID),
                detail: detail, shown: page.events.compactMap(\.entry.patientID))
            return page
        }
    }

    /// At most this many events go into one whole report (CSV): a longer period is refused,
    /// never cut.
    static let wholeReportLimit = 10_000

    /// A patient's access report (`AuditEventRepository.accessReport`), the patient as the
    /// report names them, and its reading audited in the same transaction: who read whose
    /// report, for which period, how much. Another organisation's patient, or none, is not found.
    /// `limit` nil: the whole period from `after` (for CSV), or a 422 when it holds more than
    /// `wholeReportLimit` events, then not audited as read: nothing was shown.
    func accessReport(
        patient patientID: UUID, period: (from: Date?, to: Date?), ownReads: Bool, limit: Int?, after: AuditEventCursor?,
        by principal: Principal
    ) async throws -> (patient: Patient, entries: [AccessReportEntry], next: AuditEventCursor?) {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let patient = try await tx.patients.find(id: patientID) else { throw DomainError.notFound }
            let page = try await tx.auditEvents.accessReport(
                patientID: patientID, from: period.from, to: period.to, excludingReadsBy: ownReads ? nil : principal.userID,
                limit: limit ?? Self.wholeReportLimit, after: after)
            if limit == nil, page.next != nil {
                throw DomainError.validation([
                    FieldError(
                        field: "to", message: "the period holds more than \(Self.wholeReportLimit) events: choose a shorter one")
                ])
            }
            let dates = WholeSecondDates()
            let detail: [String: String?] = [
                "from": period.from.flatMap { try? dates.encode($0) }, "to": period.to.flatMap { try? dates.encode($0) },
                "count": String(page.entries.count), "format": limit == nil ? "csv" : "json",
            ]
            try await tx.auditEvents.record(
                AuditEntry(principal, .auditAccessReport, entityType: "patient", entityID: patientID, patientID: patientID),
                detail: detail.compactMapValues { $0 })
            return (patient, page.entries, page.next)
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
