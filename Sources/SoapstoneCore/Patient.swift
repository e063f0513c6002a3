import Foundation

public struct Patient: Sendable, Hashable {
    public let id: UUID
    public var details: PatientDetails
    public let createdAt: Date
    public let updatedAt: Date
    public var restriction: PatientRestriction

    public init(
        id: UUID, details: PatientDetails, createdAt: Date, updatedAt: Date, restriction: PatientRestriction = PatientRestriction()
    ) {
        self.id = id
        self.details = details
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.restriction = restriction
    }
}

extension Patient {
    /// What a list shows of the patient: name, MRN, birth date, sex, active.
    public var summary: PatientSummary {
        PatientSummary(
            id: id, mrn: details.mrn, givenName: details.givenName, familyName: details.familyName,
            birthDate: details.birthDate, sex: details.sex, active: details.active)
    }
}
