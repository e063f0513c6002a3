import Foundation

/// Where a page of a list ordered by a time ends: that time exactly (microseconds since 1970,
/// as PostgreSQL keeps it, where a Date would round) and the id that breaks a tie.
public struct InstantCursor: Sendable, Hashable {
    public let microseconds: Int64
    public let id: UUID

    public init(microseconds: Int64, id: UUID) {
        self.microseconds = microseconds
        self.id = id
    }
}
