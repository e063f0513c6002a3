/// What a user is in their organisation; docs/design.md's role matrix says what each may do.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    case admin
    case physician
    case nurse
    case frontDesk = "front_desk"
    case auditor
}
