public enum EncounterType: String, Sendable, Codable, CaseIterable, Hashable {
    case inPerson = "in_person"
    case telemedicine
    case phone
}
