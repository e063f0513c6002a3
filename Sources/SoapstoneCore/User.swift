import Foundation

public struct User: Sendable, Hashable {
    public let id: UUID
    public let tenantID: UUID
    public var email: String
    public var name: String
    public var role: Role
    public var active: Bool
    public let createdAt: Date

    public init(id: UUID, tenantID: UUID, email: String, name: String, role: Role, active: Bool, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.name = name
        self.role = role
        self.active = active
        self.createdAt = createdAt
    }
}
