/// Every action the audit log records, in one list: the writers take one of these, the
/// OpenAPI document offers them as the audit filter's choices (a test holds the two equal),
/// and `words` names each one for people (the access report; the page's table is held equal).
///
/// A stored action is never renamed: the log is append-only and keeps its words.
public enum AuditAction: String, CaseIterable, Sendable, Hashable, Codable {
    case authRegister = "auth.register"
    case authLogin = "auth.login"
    case authLockout = "auth.lockout"
    case authRefreshReuse = "auth.refresh_reuse"
    case authLogout = "auth.logout"
    case authTokenExpired = "auth.token_expired"
    case authTokenRevoked = "auth.token_revoked"
    case accessDenied = "access.denied"
    /// Written by development seeds before issue 31, which now write `auth.register` as the
    /// server does; kept because stored events keep their words.
    case tenantCreate = "tenant.create"
    case userCreate = "user.create"
    case userUpdate = "user.update"
    case patientList = "patient.list"
    case patientRead = "patient.read"
    case patientCreate = "patient.create"
    case patientUpdate = "patient.update"
    case encounterList = "encounter.list"
    case encounterRead = "encounter.read"
    case encounterCreate = "encounter.create"
    case encounterUpdate = "encounter.update"
    case noteList = "note.list"
    case noteRead = "note.read"
    case noteCreate = "note.create"
    case noteUpdate = "note.update"
    case noteSign = "note.sign"
    case noteAmend = "note.amend"
    case noteEnteredInError = "note.entered_in_error"
    case noteVersions = "note.versions"
    case noteVersionRead = "note.version_read"
    case auditRead = "audit.read"
    /// The organisation's audit chain re-computed (`GET /v1/audit-events/verification`).
    case auditVerify = "audit.verify"
    /// A patient's access report read (`GET /v1/patients/{id}/access-report`).
    case auditAccessReport = "audit.access_report"
    /// Restricted records and emergency access (issue 32, migration 34).
    case patientRestrict = "patient.restrict"
    case careTeamRead = "care_team.read"
    case careTeamAdd = "care_team.add"
    case careTeamRemove = "care_team.remove"
    case accessEmergency = "access.emergency"
    case accessEmergencyReview = "access.emergency_review"

    /// What the user did, as people say it.
    public var words: String {
        switch self {
        case .authRegister: "Registered the organisation"
        case .authLogin: "Logged in"
        case .authLockout: "Locked out after failed logins"
        case .authRefreshReuse: "Reused an ended session"
        case .authLogout: "Logged out"
        case .authTokenExpired: "Used an expired sign-in"
        case .authTokenRevoked: "Used an ended sign-in"
        case .accessDenied: "Was refused access"
        case .tenantCreate: "Created the organisation"
        case .userCreate: "Added a user"
        case .userUpdate: "Changed a user"
        case .patientList: "Listed or searched patients"
        case .patientRead: "Opened a patient's record"
        case .patientCreate: "Added a patient"
        case .patientUpdate: "Changed a patient's record"
        case .encounterList: "Listed a patient's encounters"
        case .encounterRead: "Opened an encounter"
        case .encounterCreate: "Started an encounter"
        case .encounterUpdate: "Changed an encounter"
        case .noteList: "Listed notes"
        case .noteRead: "Read a note"
        case .noteCreate: "Started a note"
        case .noteUpdate: "Saved a note"
        case .noteSign: "Signed a note"
        case .noteAmend: "Amended a note"
        case .noteEnteredInError: "Marked a note entered in error"
        case .noteVersions: "Read a note's history"
        case .noteVersionRead: "Read an earlier version of a note"
        case .auditRead: "Read the audit log"
        case .auditVerify: "Checked the audit log's chain"
        case .auditAccessReport: "Read a patient's access report"
        case .patientRestrict: "Restricted or released a patient's record"
        case .careTeamRead: "Read a patient's care team"
        case .careTeamAdd: "Added someone to a patient's care team"
        case .careTeamRemove: "Took someone off a patient's care team"
        case .accessEmergency: "Broke the glass: opened a restricted record in an emergency"
        case .accessEmergencyReview: "Reviewed an emergency access"
        }
    }
}
