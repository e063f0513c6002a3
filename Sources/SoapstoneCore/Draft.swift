import Foundation

/// A draft as a list of work to sign shows it: which note, about whom, and since when unchanged.
public struct Draft: Sendable, Hashable {
    public let id: UUID
    public let encounterID: UUID
    public let version: Int
    public let authorID: UUID
    public let updatedAt: Date
    public let patientID: UUID
    public let patient: PatientLabel

    public init(
        id: UUID, encounterID: UUID, version: Int, authorID: UUID, updatedAt: Date, patientID: UUID, patient: PatientLabel
    ) {
        (self.id, self.encounterID, self.version, self.authorID, self.updatedAt, self.patientID, self.patient) =
            (id, encounterID, version, authorID, updatedAt, patientID, patient)
    }
}
