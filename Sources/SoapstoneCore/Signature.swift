import Foundation

public struct Signature: Sendable, Hashable {
    public let signedBy: UUID
    public let signedAt: Date
    public let version: Int
    public let sha256: String

    public init(signedBy: UUID, signedAt: Date, version: Int, sha256: String) {
        self.signedBy = signedBy
        self.signedAt = signedAt
        self.version = version
        self.sha256 = sha256
    }
}
