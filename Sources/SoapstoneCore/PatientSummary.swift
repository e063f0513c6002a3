import Foundation

/// A patient as a search lists them: enough to tell patients apart and pick one. Contact
/// details and address stay in the full record, read (and audited) one patient at a time:
/// a search for "ha" is no reason to hand out twenty phone numbers and addresses.
public struct PatientSummary: Sendable, Hashable {
    public let id: UUID
    public var mrn: String
    public var givenName: String
    public var familyName: String
    public var birthDate: String
    public var sex: AdministrativeSex
    public var active: Bool

    public init(
        id: UUID, mrn: String, givenName: String, familyName: String, birthDate: String, sex: AdministrativeSex, active: Bool
    ) {
        (self.id, self.mrn, self.givenName, self.familyName, self.birthDate, self.sex, self.active) =
            (id, mrn, givenName, familyName, birthDate, sex, active)
    }
}
