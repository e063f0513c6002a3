import Foundation

/// Where a page of a list ends: the id of its last row. The database finds that row's sort
/// keys from it, so a cursor, which travels in URLs, never carries a name or any other value
/// of the row.
public struct RowCursor: Sendable, Hashable {
    public let id: UUID

    public init(id: UUID) {
        self.id = id
    }
}

/// Where a page of a note's versions ends: the last version's number.
public struct VersionCursor: Sendable, Hashable {
    public let version: Int

    public init(version: Int) {
        self.version = version
    }
}

/// One page of a list and where the next begins (nil on the last).
public struct Page<Item: Sendable, Cursor: Sendable>: Sendable {
    public let items: [Item]
    public let next: Cursor?

    /// `fetched` holds up to `limit + 1` rows: one more than the page says there is a next.
    init(fetched: [Item], limit: Int, cursor: (Item) -> Cursor) {
        items = Array(fetched.prefix(limit))
        next = fetched.count > limit ? items.last.map(cursor) : nil
    }

    public init(items: [Item], next: Cursor?) {
        self.items = items
        self.next = next
    }
}
