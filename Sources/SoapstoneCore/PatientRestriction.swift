import Foundation

/// Whether a patient's clinical record is kept to their care team (migration 34), and what the
/// caller may know of it: demographics stay findable, the chart opens to the team and to
/// emergency grants only.
public struct PatientRestriction: Sendable, Hashable {
    public var restricted: Bool
    public var reason: String?
    /// Whether the caller's transaction sees the clinical record: not restricted, or the caller
    /// is on the care team or holds a live emergency grant (the database decides, in the
    /// policies; this is its answer for the page).
    public var chartOpen: Bool
    /// Who is on the team, so that a caller outside it knows whom to ask; read for restricted
    /// patients only (nil otherwise).
    public var careTeam: [CareTeamMember]?

    public init(restricted: Bool = false, reason: String? = nil, chartOpen: Bool = true, careTeam: [CareTeamMember]? = nil) {
        (self.restricted, self.reason, self.chartOpen, self.careTeam) = (restricted, reason, chartOpen, careTeam)
    }

    /// The reason is told to those who manage restrictions (admins) and to those the chart is
    /// open to; to anyone else it would say what the restriction hides ("substance use").
    public func reasonShown(to role: Role) -> String? {
        role == .admin || chartOpen ? reason : nil
    }

    /// Who may restrict or release a patient (docs/design.md's roles table).
    public static let managers: Set<Role> = [.admin, .physician]

    /// Whether `role`, allowed to change patients at all, may change more than the restriction:
    /// admins manage restrictions and write nothing else of a patient.
    public static func changesDetails(_ role: Role) -> Bool { role != .admin }

    /// A write into a restricted patient's chart by someone it is closed to (the policies would
    /// refuse the row; this says why, and what to do).
    public static let closedChart = DomainError.notPermitted(
        type: "restricted-record",
        detail: "This patient's record is kept to their care team: ask a member of it for access.")

    public static let reasonLength = 1...500

    /// A PATCH of a patient that names the restriction: only managers may send it, an admin
    /// may send nothing else, a restriction needs a reason and a release takes none.
    public static func check(
        role: Role, restricted: Bool?, reason: String?, changesOtherFields: Bool
    ) throws {
        if restricted != nil || reason != nil, !managers.contains(role) {
            throw DomainError.notPermitted(
                type: "restriction-not-permitted",
                detail: "Only an admin or a physician restricts or releases a patient's record.")
        }
        if !changesDetails(role), changesOtherFields {
            throw DomainError.notPermitted(
                type: "admin-changes-restriction-only",
                detail: "An admin changes only a patient's restriction (restricted, restriction_reason), no other field.")
        }
        var problems: [FieldError] = []
        switch (restricted, reason) {
        case (nil, .some):
            problems.append(FieldError(field: "restricted", message: "must be sent with restriction_reason"))
        case (true, nil):
            problems.append(FieldError(field: "restriction_reason", message: "must say why the record is restricted"))
        case (true, let reason?) where !reasonLength.contains(reason.trimmingCharacters(in: .whitespacesAndNewlines).count):
            problems.append(FieldError(field: "restriction_reason", message: "must be 1 to 500 characters"))
        case (false, .some):
            problems.append(FieldError(field: "restriction_reason", message: "must not be sent when the restriction is lifted"))
        default: break
        }
        guard problems.isEmpty else { throw DomainError.validation(problems) }
    }
}
