import Foundation

/// One line of the audit log: ids and codes only, never PHI.
public struct AuditEntry: Sendable, Hashable {
    public let userID: UUID?
    public let role: Role?
    public let action: AuditAction
    public let entityType: String
    public let entityID: UUID?
    public let patientID: UUID?
    public let origin: AuditOrigin
    public let outcome: AuditOutcome

    /// Every entry written is built here: who acted, as the principal they acted as; what they
    /// did (the action) to what (the entity, and the patient it is about); from where; and how
    /// it ended.
    public init(
        _ principal: Principal, _ action: AuditAction, entityType: String, entityID: UUID?, patientID: UUID? = nil,
        origin: AuditOrigin, outcome: AuditOutcome = .success
    ) {
        self.init(
            recordedBy: principal.userID, role: principal.role, action: action, entityType: entityType, entityID: entityID,
            patientID: patientID, origin: origin, outcome: outcome)
    }

    /// An entry as the log holds it, read back: an old one may name no user or role.
    public init(
        recordedBy userID: UUID?, role: Role?, action: AuditAction, entityType: String, entityID: UUID?, patientID: UUID?,
        origin: AuditOrigin, outcome: AuditOutcome
    ) {
        self.userID = userID
        self.role = role
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.patientID = patientID
        self.origin = origin
        self.outcome = outcome
    }

    /// The same entry with another outcome: the refusal of the write it describes.
    public func with(outcome: AuditOutcome) -> AuditEntry {
        AuditEntry(
            recordedBy: userID, role: role, action: action, entityType: entityType, entityID: entityID, patientID: patientID,
            origin: origin, outcome: outcome)
    }
}
