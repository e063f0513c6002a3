import Foundation

public struct Patient: Sendable, Hashable {
    public let id: UUID
    public var details: PatientDetails
    public let createdAt: Date
    public let updatedAt: Date

    public init(id: UUID, details: PatientDetails, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.details = details
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
