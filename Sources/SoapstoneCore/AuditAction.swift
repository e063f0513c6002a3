/// Every action the audit log records, in one list: the writers take one of these, the
/// OpenAPI document offers them as the audit filter's choices (a test holds the two equal),
/// and the page names each one for people.
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
}
