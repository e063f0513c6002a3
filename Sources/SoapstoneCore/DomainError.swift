/// What can go wrong in the domain, whatever the storage. The HTTP layer maps each case to a
/// problem+json answer in one place.
public enum DomainError: Error, Equatable, Sendable {
    /// No such record in this tenant (another tenant's record is reported the same way).
    case notFound
    /// The record changed since the caller read it; `current` is its version now.
    case staleVersion(current: Int)
    /// The request contradicts the record's state or a uniqueness rule.
    case conflict(String)
    /// A conflict with a name of its own (the problem type), for a client to tell it apart.
    case stateConflict(type: String, detail: String)
    /// A new patient whose name (in any case, with or without accents) and birth date are
    /// those of patients on record: registered only once the caller says they are distinct.
    case possibleDuplicate([PatientSummary])
    case validation([FieldError])
    /// The caller's role may call the operation, but not with what it sent (e.g. an admin
    /// changing a patient's name): a 403 with a problem type of its own.
    case notPermitted(type: String, detail: String)
}

extension DomainError {
    /// A write the caller may make, refused by the state of the record: audited as such.
    public var isRefusal: Bool {
        switch self {
        case .staleVersion, .conflict, .stateConflict, .possibleDuplicate, .notPermitted: true
        case .notFound, .validation: false
        }
    }
}
