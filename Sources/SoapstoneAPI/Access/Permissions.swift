import SoapstoneCore

/// What the caller's role may do, as clients are told it: the operations of `AccessPolicy`, a
/// note's actions by `NoteLifecycle`, an encounter's moves by `EncounterStatus`. The page draws
/// only these, so a rule changed here changes what it offers; the server still decides every
/// request with the same tables.
enum Permissions {
    /// The operationIds `role` may call, sorted.
    static func allowedOperations(for role: Role) -> [String] {
        AccessPolicy.operations.filter { $0.value.admits(role) }.keys.sorted()
    }

    /// What `role` may do to `note` in its status now, in the lifecycle's order.
    static func actions(on note: Note, by role: Role) -> [Components.Schemas.NoteAction] {
        let actions: [(NoteLifecycle.Action, Components.Schemas.NoteAction)] = [
            (.save, .save), (.sign, .sign), (.amend, .amend), (.markEnteredInError, .enter_in_error),
        ]
        return actions.filter {
            NoteLifecycle.statuses($0.0, by: role).contains(note.status) && ($0.0 != .sign || NoteLifecycle.signable(note))
        }.map(\.1)
    }

    /// What `role` may do to a patient's record: edit its details (every role that may update
    /// patients but admins, who change only the restriction) and restrict or release it.
    static func actions(onPatientBy role: Role) -> [Components.Schemas.PatientAction] {
        let updates = AccessPolicy.requirement(for: "updatePatient").admits(role)
        return (updates && PatientRestriction.changesDetails(role) ? [.edit] : [])
            + (updates && PatientRestriction.managers.contains(role) ? [.restrict] : [])
    }

    /// What `role` may do with `encounter` now besides moving it.
    static func actions(on encounter: Encounter, by role: Role) -> [Components.Schemas.EncounterAction] {
        AccessPolicy.requirement(for: "createNote").admits(role) && EncounterLifecycle.acceptsNotes(encounter.status)
            ? [.add_note] : []
    }

    /// The statuses `role` may move `encounter` to now, in the lifecycle's order.
    static func transitions(of encounter: Encounter, by role: Role) -> [EncounterStatus] {
        guard AccessPolicy.requirement(for: "updateEncounter").admits(role) else { return [] }
        return EncounterStatus.allCases.filter(encounter.status.canMove(to:))
    }
}

extension AccessPolicy.Requirement {
    /// Whether a caller of `role` gets past the requirement.
    func admits(_ role: Role) -> Bool {
        switch self {
        case .open, .authenticated: true
        case .roles(let roles): roles.contains(role)
        }
    }
}
