import Foundation

/// A user on a patient's care team: physicians and nurses on it see the patient's chart when the
/// patient is restricted (migration 34), because `soapstone_set_tenant` opens it for them.
public struct CareTeamMember: Sendable, Hashable {
    public let patientID: UUID
    public let userID: UUID
    /// The member's name and role as they are now, so a reader outside the team knows whom to ask.
    public let name: String
    public let role: Role
    public let addedBy: UUID
    public let addedAt: Date

    public init(patientID: UUID, userID: UUID, name: String, role: Role, addedBy: UUID, addedAt: Date) {
        (self.patientID, self.userID, self.name, self.role, self.addedBy, self.addedAt) =
            (patientID, userID, name, role, addedBy, addedAt)
    }

    /// The roles that treat a patient, and so may be on a care team or break the glass.
    public static let treatingRoles: Set<Role> = [.physician, .nurse]
}
