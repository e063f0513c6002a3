import SoapstoneCore

// Between the generated enums and the domain's, by exhaustive switches: a case added on either
// side fails to compile here until it is mapped, where a conversion by raw value would have
// crashed, or fallen back to some other value, at run time.

extension Role {
    init(_ schema: Components.Schemas.Role) {
        switch schema {
        case .admin: self = .admin
        case .physician: self = .physician
        case .nurse: self = .nurse
        case .front_desk: self = .frontDesk
        case .auditor: self = .auditor
        }
    }
}

extension Components.Schemas.Role {
    init(_ value: Role) {
        switch value {
        case .admin: self = .admin
        case .physician: self = .physician
        case .nurse: self = .nurse
        case .frontDesk: self = .front_desk
        case .auditor: self = .auditor
        }
    }
}

extension AdministrativeSex {
    init(_ schema: Components.Schemas.Sex) {
        switch schema {
        case .male: self = .male
        case .female: self = .female
        case .other: self = .other
        case .unknown: self = .unknown
        }
    }
}

extension Components.Schemas.Sex {
    init(_ value: AdministrativeSex) {
        switch value {
        case .male: self = .male
        case .female: self = .female
        case .other: self = .other
        case .unknown: self = .unknown
        }
    }
}

extension EncounterType {
    init(_ schema: Components.Schemas.EncounterType) {
        switch schema {
        case .in_person: self = .inPerson
        case .telemedicine: self = .telemedicine
        case .phone: self = .phone
        }
    }
}

extension Components.Schemas.EncounterType {
    init(_ value: EncounterType) {
        switch value {
        case .inPerson: self = .in_person
        case .telemedicine: self = .telemedicine
        case .phone: self = .phone
        }
    }
}

extension EncounterStatus {
    init(_ schema: Components.Schemas.EncounterStatus) {
        switch schema {
        case .planned: self = .planned
        case .in_progress: self = .inProgress
        case .finished: self = .finished
        case .cancelled: self = .cancelled
        case .entered_in_error: self = .enteredInError
        }
    }
}

extension Components.Schemas.EncounterStatus {
    init(_ value: EncounterStatus) {
        switch value {
        case .planned: self = .planned
        case .inProgress: self = .in_progress
        case .finished: self = .finished
        case .cancelled: self = .cancelled
        case .enteredInError: self = .entered_in_error
        }
    }
}

extension Components.Schemas.NoteStatus {
    init(_ value: NoteStatus) {
        switch value {
        case .draft: self = .draft
        case .signed: self = .signed
        case .amended: self = .amended
        case .enteredInError: self = .entered_in_error
        }
    }
}

extension Components.Schemas.AuditOutcome {
    init(_ value: AuditOutcome) {
        switch value {
        case .success: self = .success
        case .failure: self = .failure
        case .denied: self = .denied
        case .refused: self = .refused
        }
    }
}

extension AuditAction {
    init(_ schema: Components.Schemas.AuditAction) {
        switch schema {
        case .auth_period_register: self = .authRegister
        case .auth_period_login: self = .authLogin
        case .auth_period_lockout: self = .authLockout
        case .auth_period_refresh_reuse: self = .authRefreshReuse
        case .auth_period_logout: self = .authLogout
        case .auth_period_token_expired: self = .authTokenExpired
        case .auth_period_token_revoked: self = .authTokenRevoked
        case .access_period_denied: self = .accessDenied
        case .tenant_period_create: self = .tenantCreate
        case .user_period_create: self = .userCreate
        case .user_period_update: self = .userUpdate
        case .patient_period_list: self = .patientList
        case .patient_period_read: self = .patientRead
        case .patient_period_create: self = .patientCreate
        case .patient_period_update: self = .patientUpdate
        case .encounter_period_list: self = .encounterList
        case .encounter_period_read: self = .encounterRead
        case .encounter_period_create: self = .encounterCreate
        case .encounter_period_update: self = .encounterUpdate
        case .note_period_list: self = .noteList
        case .note_period_read: self = .noteRead
        case .note_period_create: self = .noteCreate
        case .note_period_update: self = .noteUpdate
        case .note_period_sign: self = .noteSign
        case .note_period_amend: self = .noteAmend
        case .note_period_entered_in_error: self = .noteEnteredInError
        case .note_period_versions: self = .noteVersions
        case .note_period_version_read: self = .noteVersionRead
        case .audit_period_read: self = .auditRead
        case .audit_period_verify: self = .auditVerify
        case .audit_period_access_report: self = .auditAccessReport
        case .patient_period_restrict: self = .patientRestrict
        case .care_team_period_read: self = .careTeamRead
        case .care_team_period_add: self = .careTeamAdd
        case .care_team_period_remove: self = .careTeamRemove
        case .access_period_emergency: self = .accessEmergency
        case .access_period_emergency_review: self = .accessEmergencyReview
        }
    }
}

extension Components.Schemas.AuditAction {
    init(_ value: AuditAction) {
        switch value {
        case .authRegister: self = .auth_period_register
        case .authLogin: self = .auth_period_login
        case .authLockout: self = .auth_period_lockout
        case .authRefreshReuse: self = .auth_period_refresh_reuse
        case .authLogout: self = .auth_period_logout
        case .authTokenExpired: self = .auth_period_token_expired
        case .authTokenRevoked: self = .auth_period_token_revoked
        case .accessDenied: self = .access_period_denied
        case .tenantCreate: self = .tenant_period_create
        case .userCreate: self = .user_period_create
        case .userUpdate: self = .user_period_update
        case .patientList: self = .patient_period_list
        case .patientRead: self = .patient_period_read
        case .patientCreate: self = .patient_period_create
        case .patientUpdate: self = .patient_period_update
        case .encounterList: self = .encounter_period_list
        case .encounterRead: self = .encounter_period_read
        case .encounterCreate: self = .encounter_period_create
        case .encounterUpdate: self = .encounter_period_update
        case .noteList: self = .note_period_list
        case .noteRead: self = .note_period_read
        case .noteCreate: self = .note_period_create
        case .noteUpdate: self = .note_period_update
        case .noteSign: self = .note_period_sign
        case .noteAmend: self = .note_period_amend
        case .noteEnteredInError: self = .note_period_entered_in_error
        case .noteVersions: self = .note_period_versions
        case .noteVersionRead: self = .note_period_version_read
        case .auditRead: self = .audit_period_read
        case .auditVerify: self = .audit_period_verify
        case .auditAccessReport: self = .audit_period_access_report
        case .patientRestrict: self = .patient_period_restrict
        case .careTeamRead: self = .care_team_period_read
        case .careTeamAdd: self = .care_team_period_add
        case .careTeamRemove: self = .care_team_period_remove
        case .accessEmergency: self = .access_period_emergency
        case .accessEmergencyReview: self = .access_period_emergency_review
        }
    }
}
