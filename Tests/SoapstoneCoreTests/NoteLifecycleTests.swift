import SoapstoneCore
import Testing

/// docs/design.md's rules for notes, written out: physicians write, sign and amend; nurses write and
/// withdraw drafts; nobody else touches note content.
@Suite("Note lifecycle")
struct NoteLifecycleTests {
    typealias Action = NoteLifecycle.Action

    /// For each role, the statuses it may take each action from (nil: not at all).
    static let expected: [Role: [Action: [NoteStatus]]] = [
        .physician: [
            .read: [.draft, .signed, .amended, .enteredInError], .create: [], .save: [.draft], .sign: [.draft],
            .amend: [.signed, .amended], .markEnteredInError: [.draft, .signed, .amended],
        ],
        .nurse: [
            .read: [.draft, .signed, .amended, .enteredInError], .create: [], .save: [.draft],
            .markEnteredInError: [.draft],
        ],
        .admin: [:], .frontDesk: [:], .auditor: [:],
    ]

    @Test("Who may do what to a note, from which status", arguments: Role.allCases)
    func table(role: Role) {
        for action in Action.allCases {
            let allowed = NoteLifecycle.rule(action).roles.contains(role)
            #expect(allowed == (Self.expected[role]?[action] != nil), "\(role) \(action)")
            if let statuses = Self.expected[role]?[action] {
                #expect(NoteLifecycle.statuses(action, by: role) == statuses, "\(role) \(action)")
            } else {
                #expect(NoteLifecycle.statuses(action, by: role).isEmpty, "\(role) \(action)")
            }
        }
    }

    @Test("What each change leaves the note as")
    func produces() {
        #expect(NoteLifecycle.rule(.read).produces == nil)
        #expect(NoteLifecycle.rule(.create).produces == .draft)
        #expect(NoteLifecycle.rule(.save).produces == .draft)
        #expect(NoteLifecycle.rule(.sign).produces == .signed)
        #expect(NoteLifecycle.rule(.amend).produces == .amended)
        #expect(NoteLifecycle.rule(.markEnteredInError).produces == .enteredInError)
        // Nothing leaves entered-in-error: it is the end of a note's life.
        for action in Action.allCases where action != .read {
            #expect(!NoteLifecycle.rule(action).accepts.contains(.enteredInError), "\(action)")
        }
    }
}
