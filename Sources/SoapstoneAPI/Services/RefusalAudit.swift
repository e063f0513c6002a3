import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// Writes the record's state refuses (`DomainError.isRefusal`: a stale version, 412; a change
/// the lifecycle does not accept or a duplicate, 409) are audited like the role's refusals
/// (403): who, which operation (the action the write would have recorded), which entity, with
/// the outcome `refused`. The write's own transaction has rolled back (a duplicate's error ends
/// it), so the refusal is recorded in one of its own, through the one audit insert.
struct RefusalAudit: Sendable {
    let database: Database

    /// Runs `write`; when it is refused, records `entry` as refused and throws the refusal on.
    func auditing<Result: Sendable>(
        _ entry: AuditEntry, by principal: Principal, _ write: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await write()
        } catch let refusal as DomainError where refusal.isRefusal {
            let reason: [String: String] =
                switch refusal {
                case .staleVersion(let current): ["reason": "stale_version", "current_version": String(current)]
                case .stateConflict(let type, _), .notPermitted(let type, _): ["reason": type]
                case .possibleDuplicate(let matches): ["reason": "possible-duplicate", "matches": String(matches.count)]
                default: ["reason": "conflict"]
                }
            // The possible duplicates' summaries are shown to the caller: disclosed, as a
            // search's are (detail.patient_ids).
            var shown: [UUID]?
            if case .possibleDuplicate(let matches) = refusal { shown = matches.map(\.id) }
            try await database.withTenant(principal.tenantID, userID: principal.userID) { [shown] tx in
                _ = try await tx.auditEvents.record(entry.with(outcome: .refused), detail: reason, shown: shown)
            }
            throw refusal
        }
    }
}
