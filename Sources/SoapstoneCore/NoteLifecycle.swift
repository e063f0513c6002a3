/// What may be done to a note, by whom, from which status, and what status it leaves: the one
/// answer to "what may a nurse do to a note?". `AccessPolicy` takes each note operation's roles
/// from here, the services the statuses a role may act from, the repository the statuses its
/// SQL accepts. The database's lifecycle trigger (migration 4) guards the same rules for any
/// client, as the database's own defence.
public enum NoteLifecycle {
    public enum Action: CaseIterable, Sendable {
        /// Read a note, its versions and its history.
        case read
        /// Start a new draft.
        case create
        /// Save a draft's content as its next version.
        case save
        /// Freeze a draft by signature.
        case sign
        /// Add a version, with a reason, to a signed note.
        case amend
        /// Withdraw a note: kept, marked entered in error, with a reason.
        case markEnteredInError
    }

    public struct Rule: Sendable, Hashable {
        /// From which statuses each role may take the action (`read` and `create` act on no status).
        public let statusesByRole: [Role: Set<NoteStatus>]
        /// The status the action leaves the note in; nil for a read.
        public let produces: NoteStatus?

        /// The roles that may take the action at all.
        public var roles: Set<Role> { Set(statusesByRole.keys) }
        /// Every status the action may start from, whoever takes it, in the lifecycle's order.
        public var accepts: [NoteStatus] { NoteLifecycle.ordered(statusesByRole.values.reduce(into: []) { $0.formUnion($1) }) }
    }

    /// Statuses in the lifecycle's order (draft, signed, amended, entered in error), as a
    /// message lists them.
    public static func ordered(_ statuses: Set<NoteStatus>) -> [NoteStatus] {
        NoteStatus.allCases.filter(statuses.contains)
    }

    private static let every = Set(NoteStatus.allCases)

    public static func rule(_ action: Action) -> Rule {
        switch action {
        case .read:
            Rule(statusesByRole: [.physician: every, .nurse: every], produces: nil)
        case .create:
            Rule(statusesByRole: [.physician: [], .nurse: []], produces: .draft)
        case .save:
            Rule(statusesByRole: [.physician: [.draft], .nurse: [.draft]], produces: .draft)
        case .sign:
            Rule(statusesByRole: [.physician: [.draft]], produces: .signed)
        case .amend:
            Rule(statusesByRole: [.physician: [.signed, .amended]], produces: .amended)
        case .markEnteredInError:
            // Nurses may withdraw drafts; a signed note is a physician's to withdraw.
            Rule(statusesByRole: [.physician: [.draft, .signed, .amended], .nurse: [.draft]], produces: .enteredInError)
        }
    }

    /// The statuses `role` may take `action` from, in order; empty when the role may not take it.
    public static func statuses(_ action: Action, by role: Role) -> [NoteStatus] {
        ordered(rule(action).statusesByRole[role] ?? [])
    }
}

extension NoteLifecycle {
    /// Whether a draft at `note`'s current version may be signed at all: not while that version
    /// was saved with a conflict unresolved (`NoteVersion.unresolvedConflict`), since nobody
    /// chose between the texts it replaced. A later save clears it. The sign statement
    /// (`NoteRepository.sign`) and the database's lifecycle trigger (migration 28) keep the same
    /// rule.
    public static func signable(_ note: Note) -> Bool { !note.unresolvedConflict }
}
