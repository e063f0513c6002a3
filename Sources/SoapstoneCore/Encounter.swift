import Foundation

public struct Encounter: Sendable, Hashable {
    public let id: UUID
    public let patientID: UUID
    public var type: EncounterType
    public var status: EncounterStatus
    public var startedAt: Date?
    public var endedAt: Date?
    public var reason: String?
    public var attendingUserID: UUID?
    /// Why it was marked entered in error (its `reason` is the visit's); nil otherwise, and for
    /// encounters voided before the field existed (migration 27).
    public var statusReason: String?
    /// Its notes still in draft: what finishing the encounter would leave unsigned.
    public var draftNotes: Int

    public init(
        id: UUID, patientID: UUID, type: EncounterType, status: EncounterStatus, startedAt: Date?, endedAt: Date?,
        reason: String?, attendingUserID: UUID?, statusReason: String? = nil, draftNotes: Int = 0
    ) {
        self.id = id
        self.patientID = patientID
        self.type = type
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.reason = reason
        self.attendingUserID = attendingUserID
        self.statusReason = statusReason
        self.draftNotes = draftNotes
    }
}
