import SoapstoneCore

/// Who may call each operation of the OpenAPI document, in one table: the authentication
/// middleware decides with it, and a test checks it against the document.
enum AccessPolicy {
    enum Requirement: Equatable, Sendable {
        /// No token needed (the document says `security: []`).
        case open
        /// A valid token of any role.
        case authenticated
        /// A valid token of one of these roles.
        case roles(Set<Role>)
    }

    static let operations: [String: Requirement] = [
        "getHealth": .open,
        // Served by a route of its own (Application+build.swift), listed so the table is whole.
        "getOpenAPIDocument": .open,
        "register": .open,
        "login": .open,
        "refresh": .open,
        "logout": .open,
        "getMe": .authenticated,
        "listUsers": .roles([.admin]),
        "createUser": .roles([.admin]),
        "getUser": .roles([.admin]),
        "updateUser": .roles([.admin]),
        // Names and roles of colleagues, so each role can see who wrote or did something.
        "listStaff": .authenticated,
        "listPatients": .roles([.admin, .physician, .nurse, .frontDesk]),
        // Auditors too: "who looked at this patient?" starts by finding the patient. A search
        // answers summaries (name, MRN, birth date, sex), never contact details or anything clinical.
        "searchPatients": .roles([.admin, .physician, .nurse, .frontDesk, .auditor]),
        "getPatient": .roles([.admin, .physician, .nurse, .frontDesk]),
        "createPatient": .roles([.physician, .nurse, .frontDesk]),
        // Admins too, for a patient's restriction only (PatientRestriction.check).
        "updatePatient": .roles([.admin, .physician, .nurse, .frontDesk]),
        // A restricted patient's care team: everyone who reads patients may see whom to ask;
        // those who may restrict a record choose who treats it (PatientRestriction.managers).
        "listCareTeam": .roles([.admin, .physician, .nurse, .frontDesk]),
        "addCareTeamMember": .roles(PatientRestriction.managers),
        "removeCareTeamMember": .roles(PatientRestriction.managers),
        "listEncounters": .roles([.admin, .physician, .nurse, .frontDesk]),
        "getEncounter": .roles([.admin, .physician, .nurse, .frontDesk]),
        "createEncounter": .roles([.physician, .nurse, .frontDesk]),
        "updateEncounter": .roles([.physician, .nurse, .frontDesk]),
        // Notes: whatever NoteLifecycle lets some role do, it answers here for the operation.
        "listNotes": .note(.read),
        "listDraftNotes": .note(.read),
        "getNote": .note(.read),
        "listNoteVersions": .note(.read),
        "getNoteVersion": .note(.read),
        "createNote": .note(.create),
        "saveNote": .note(.save),
        "signNote": .note(.sign),
        "amendNote": .note(.amend),
        "markNoteEnteredInError": .note(.markEnteredInError),
        "listAuditEvents": .roles([.admin, .auditor]),
        "verifyAuditChain": .roles([.admin, .auditor]),
        "getPatientAccessReport": .roles([.admin, .auditor]),
    ]

    /// An operation missing from the table is refused to everyone: forgetting to list it
    /// must not open it.
    static func requirement(for operationID: String) -> Requirement {
        operations[operationID] ?? .roles([])
    }
}

extension AccessPolicy.Requirement {
    /// The roles `NoteLifecycle` lets take `action` from some status.
    static func note(_ action: NoteLifecycle.Action) -> Self { .roles(NoteLifecycle.rule(action).roles) }
}
