public enum NoteStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Editable; every save is a new version.
    case draft
    /// Frozen by a physician's signature; changed only by amendment.
    case signed
    /// Signed, then amended at least once; each amendment is a version with a reason.
    case amended
    /// Kept for the record, but not to be relied on.
    case enteredInError = "entered_in_error"
}
