import Foundation

/// A version as a list shows it: who wrote it, when, why, and its hash, without its sections
/// (a note may have hundreds of versions of many kilobytes each; one is read whole by number).
public struct NoteVersionSummary: Sendable, Hashable {
    public let noteID: UUID
    public let version: Int
    public let authorID: UUID
    public let reason: String?
    public let createdAt: Date
    public let sha256: String
    /// Saved while its writer's merge was still open (see `NoteVersion.unresolvedConflict`).
    public let unresolvedConflict: Bool

    public init(
        noteID: UUID, version: Int, authorID: UUID, reason: String?, createdAt: Date, sha256: String, unresolvedConflict: Bool
    ) {
        self.noteID = noteID
        self.version = version
        self.authorID = authorID
        self.reason = reason
        self.createdAt = createdAt
        self.sha256 = sha256
        self.unresolvedConflict = unresolvedConflict
    }
}
