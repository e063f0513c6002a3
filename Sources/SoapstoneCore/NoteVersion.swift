import Foundation

public struct NoteVersion: Sendable, Hashable {
    public let noteID: UUID
    public let version: Int
    public let content: NoteContent
    public let authorID: UUID
    public let reason: String?
    public let createdAt: Date
    public let sha256: String
    /// Saved while its writer's merge was still open: the session ended (idle, or logged out
    /// elsewhere) before they chose between their text and another's, and their side was kept
    /// rather than lost. The next reader is told; the note is not signed at such a version.
    public let unresolvedConflict: Bool

    public init(
        noteID: UUID, version: Int, content: NoteContent, authorID: UUID, reason: String?, createdAt: Date, sha256: String,
        unresolvedConflict: Bool
    ) {
        self.noteID = noteID
        self.version = version
        self.content = content
        self.authorID = authorID
        self.reason = reason
        self.createdAt = createdAt
        self.sha256 = sha256
        self.unresolvedConflict = unresolvedConflict
    }
}
