public enum AuditOutcome: String, Sendable, Codable, Hashable, CaseIterable {
    case success
    case failure
    /// Not allowed for the caller's role, or a token that no longer counts (a 401 or 403).
    case denied
    /// Allowed, but refused by the record's state: a stale version (412), a change its
    /// lifecycle does not accept or a duplicate (409).
    case refused
}
