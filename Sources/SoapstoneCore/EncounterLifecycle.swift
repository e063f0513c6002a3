import Foundation

/// How an encounter starts, moves and keeps its clock, in one place. The statuses it may move
/// between are `EncounterStatus.allowedNextStatuses`; the database's own checks guard the
/// columns for any client.
public enum EncounterLifecycle {
    /// A new encounter is planned, or already under way; it cannot be created finished.
    public static let startingStatuses: Set<EncounterStatus> = [.planned, .inProgress]

    /// The start and end of an encounter after a change, the clock's rules applied: it starts
    /// when it moves to in progress (a planned time was only the plan) and stops when it is
    /// finished, unless the client says when; the end is never before the start.
    public static func clock(
        from current: EncounterStatus, to next: EncounterStatus?, started: Date?, ended: Date?,
        requestedStart: Date?, requestedEnd: Date?, now: Date
    ) throws -> (startedAt: Date?, endedAt: Date?) {
        var start = requestedStart
        var end = requestedEnd
        if let next, next != current {
            if next == .inProgress, current == .planned || started == nil, start == nil { start = now }
            if next == .finished, ended == nil, end == nil { end = now }
        }
        if let from = start ?? started, let to = end ?? ended, to < from {
            throw DomainError.validation([FieldError(field: "ended_at", message: "must not be before started_at")])
        }
        return (start, end)
    }

    /// The start a new encounter records: the client's, or now if it is already under way.
    public static func start(of status: EncounterStatus, requested: Date?, now: Date) throws -> Date? {
        guard startingStatuses.contains(status) else {
            throw DomainError.validation([FieldError(field: "status", message: "a new encounter is planned or in_progress")])
        }
        return requested ?? (status == .inProgress ? now : nil)
    }

    /// The `status_reason` a change from `current` to `next` records, trimmed: marking an
    /// encounter entered in error says why (audited with the change, shown with the encounter);
    /// no other change takes one, so a reason never lands on the wrong status. Throws the
    /// field's problem otherwise.
    public static func statusReason(from current: EncounterStatus, to next: EncounterStatus?, reason: String?) throws
        -> String?
    {
        let voiding = next == .enteredInError && current != .enteredInError
        var problems: [FieldError] = []
        if let reason {
            problems =
                voiding
                ? Validation.text(reason, field: "status_reason", maximum: 1000)
                : [FieldError(field: "status_reason", message: "is given only with the change to entered_in_error")]
        } else if voiding {
            problems = [FieldError(field: "status_reason", message: "is required to mark an encounter entered in error")]
        }
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        return reason?.trimmingCharacters(in: .whitespaces)
    }

    /// Whether an encounter in `status` takes new notes: not once it is entered in error (voided).
    public static func acceptsNotes(_ status: EncounterStatus) -> Bool {
        status != .enteredInError
    }

    /// Why an encounter in `status` takes no new note, as the client is told; nil when it does.
    public static func newNoteRefusal(_ status: EncounterStatus) -> DomainError? {
        acceptsNotes(status)
            ? nil
            : .stateConflict(
                type: "encounter-entered-in-error", detail: "This encounter is entered in error and takes no new notes.")
    }

    /// Why `role` may not mark an encounter entered in error whose notes are in `noteStatuses`:
    /// a voided visit must not hide a signed note that the same person could not withdraw
    /// (`NoteLifecycle`'s rule for marking notes). Nil when it may.
    public static func voidRefusal(noteStatuses: Set<NoteStatus>, by role: Role) -> DomainError? {
        let signed = noteStatuses.intersection([.signed, .amended])
        guard !signed.isSubset(of: Set(NoteLifecycle.statuses(.markEnteredInError, by: role))) else { return nil }
        return .stateConflict(
            type: "encounter-has-signed-notes",
            detail: "This encounter holds a signed note, which your role cannot mark entered in error; ask a physician.")
    }

    /// Why `current` cannot become `next`, as the client is told; nil when it can.
    public static func refusal(from current: EncounterStatus, to next: EncounterStatus) -> DomainError? {
        guard next != current, !current.canMove(to: next) else { return nil }
        let allowed = current.allowedNextStatuses.map(\.rawValue).sorted().joined(separator: ", ")
        return .conflict(
            "An encounter that is \(current.rawValue) cannot become \(next.rawValue)"
                + (allowed.isEmpty ? "." : "; it may become: \(allowed)."))
    }
}
