public enum AuditOutcome: String, Sendable, Codable, Hashable {
    case success
    case failure
    case denied
}
