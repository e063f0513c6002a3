/// A patient named as the record names them now, where a list names a patient it does not
/// show (an audit event, a draft waiting for its signature): enough to know who it is.
public struct PatientLabel: Sendable, Hashable {
    public let mrn: String
    public let familyName: String
    public let givenName: String
    public let birthDate: String

    public init(mrn: String, familyName: String, givenName: String, birthDate: String) {
        (self.mrn, self.familyName, self.givenName, self.birthDate) = (mrn, familyName, givenName, birthDate)
    }
}
