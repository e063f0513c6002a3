import Foundation

/// Who is calling, as their verified access token says. The tenant of every request comes from
/// here, never from the request body or a header.
public struct Principal: Sendable, Hashable {
    public let userID: UUID
    public let tenantID: UUID
    public let role: Role

    public init(userID: UUID, tenantID: UUID, role: Role) {
        self.userID = userID
        self.tenantID = tenantID
        self.role = role
    }
}

extension Principal {
    /// A user as the principal of what they do where no token says so yet: registering,
    /// logging in, ending a session.
    public init(_ user: User) {
        self.init(userID: user.id, tenantID: user.tenantID, role: user.role)
    }
}
