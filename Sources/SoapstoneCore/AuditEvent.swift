import Foundation

/// An audit event as the log shows it: the entry, and who its patient is now, so that "who
/// looked at this patient" reads as a name, not an id.
public struct AuditEvent: Sendable, Hashable {
    public let id: UUID
    public let occurredAt: Date
    public let entry: AuditEntry
    public let patient: PatientLabel?

    public init(id: UUID, occurredAt: Date, entry: AuditEntry, patient: PatientLabel? = nil) {
        self.id = id
        self.occurredAt = occurredAt
        self.entry = entry
        self.patient = patient
    }
}
