import Foundation

/// One line of a patient's access report: an audited event about the patient, or a list that
/// showed them, with the user's name and the reason given for a change, where there was one.
public struct AccessReportEntry: Sendable, Hashable {
    public let event: AuditEvent
    /// The user's name as it is now (the event keeps the id and the role they acted in).
    public let userName: String?
    /// An amendment's reason, or a note's or an encounter's entered-in-error reason.
    public let reason: String?
    /// The event is a list or search that showed the patient among others.
    public let listed: Bool

    public init(event: AuditEvent, userName: String?, reason: String?, listed: Bool) {
        (self.event, self.userName, self.reason, self.listed) = (event, userName, reason, listed)
    }
}
