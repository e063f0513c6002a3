/// Administrative sex as recorded for billing and identification (FHIR's value set).
public enum AdministrativeSex: String, Sendable, Codable, CaseIterable, Hashable {
    case male
    case female
    case other
    case unknown
}
