public enum EncounterStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case planned
    case inProgress = "in_progress"
    case finished
    case cancelled
    case enteredInError = "entered_in_error"

    /// The statuses this one may move to: planned → in_progress → finished; planned or
    /// in_progress → cancelled; anything → entered_in_error (a record made by mistake).
    public var allowedNextStatuses: Set<EncounterStatus> {
        switch self {
        case .planned: [.inProgress, .cancelled, .enteredInError]
        case .inProgress: [.finished, .cancelled, .enteredInError]
        case .finished, .cancelled: [.enteredInError]
        case .enteredInError: []
        }
    }

    public func canMove(to next: EncounterStatus) -> Bool {
        allowedNextStatuses.contains(next)
    }
}
