import Foundation

public struct Tenant: Sendable, Hashable {
    public let id: UUID
    public var name: String
    public var slug: String
    public let createdAt: Date

    public init(id: UUID, name: String, slug: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.slug = slug
        self.createdAt = createdAt
    }
}
