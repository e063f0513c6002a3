import Foundation

/// A note with the content of its current version.
public struct Note: Sendable, Hashable {
    public let id: UUID
    public let encounterID: UUID
    public let patientID: UUID
    public var status: NoteStatus
    public var version: Int
    public var content: NoteContent
    public let authorID: UUID
    public var signature: Signature?
    public var enteredInError: EnteredInError?
    /// Whether the current version was saved with a conflict unresolved (`NoteVersion`).
    public var unresolvedConflict: Bool

    public init(
        id: UUID, encounterID: UUID, patientID: UUID, status: NoteStatus, version: Int, content: NoteContent,
        authorID: UUID, signature: Signature?, enteredInError: EnteredInError? = nil, unresolvedConflict: Bool = false
    ) {
        self.id = id
        self.encounterID = encounterID
        self.patientID = patientID
        self.status = status
        self.version = version
        self.content = content
        self.authorID = authorID
        self.signature = signature
        self.enteredInError = enteredInError
        self.unresolvedConflict = unresolvedConflict
    }
}
