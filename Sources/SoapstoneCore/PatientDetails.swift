/// What a patient record says; `Patient` adds what the database assigns.
public struct PatientDetails: Sendable, Hashable {
    public var mrn: String
    public var givenName: String
    public var familyName: String
    /// A calendar date, "YYYY-MM-DD": a birth date has no time zone.
    public var birthDate: String
    public var sex: AdministrativeSex
    public var phone: String?
    public var email: String?
    public var address: Address
    public var active: Bool

    public init(
        mrn: String, givenName: String, familyName: String, birthDate: String, sex: AdministrativeSex,
        phone: String? = nil, email: String? = nil, address: Address = Address(), active: Bool = true
    ) {
        self.mrn = mrn
        self.givenName = givenName
        self.familyName = familyName
        self.birthDate = birthDate
        self.sex = sex
        self.phone = phone
        self.email = email
        self.address = address
        self.active = active
    }
}
