import Foundation

public struct NoteVersion: Sendable, Hashable {
    public let noteID: UUID
    public let version: Int
    public let content: NoteContent
    public let authorID: UUID
    public let reason: String?
    public let createdAt: Date
    public let sha256: String

    public init(
        noteID: UUID, version: Int, content: NoteContent, authorID: UUID, reason: String?, createdAt: Date, sha256: String
    ) {
        self.noteID = noteID
        self.version = version
        self.content = content
        self.authorID = authorID
        self.reason = reason
        self.createdAt = createdAt
        self.sha256 = sha256
    }
}
