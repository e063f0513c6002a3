public enum AuditOutcome: String, Sendable, Codable, Hashable, CaseIterable {
    case success
    case failure
    /// Not allowed for the caller's role (403), a revoked token, a lockout, or a spent refresh
    /// token used again. An expired token is a `failure`.
    case denied
    /// Allowed, but refused by the record's state: a stale version (412), a change its
    /// lifecycle does not accept or a duplicate (409).
    case refused
}
