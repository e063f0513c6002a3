import Foundation

/// Why a note is not to be relied on, who said so and when (`by` and `at` are unknown for
/// notes marked before they were kept).
public struct EnteredInError: Sendable, Hashable {
    public let reason: String
    public let by: UUID?
    public let at: Date?

    public init(reason: String, by: UUID?, at: Date?) {
        self.reason = reason
        self.by = by
        self.at = at
    }
}
