import Foundation
import SoapstoneCore

extension AuditEntry {
    /// Every audit entry of a request: the one initialiser (SoapstoneCore) with the request's
    /// origin from `RequestInfo`, never from the caller's say.
    init(
        _ principal: Principal, _ action: AuditAction, entityType: String, entityID: UUID?, patientID: UUID? = nil,
        outcome: AuditOutcome = .success
    ) {
        self.init(
            principal, action, entityType: entityType, entityID: entityID, patientID: patientID,
            origin: RequestInfo.current.origin, outcome: outcome)
    }
}
