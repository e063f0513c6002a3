import Foundation

/// How long a session may last, and stay unused, before the server ends it (a refresh is its use).
struct SessionLimits: Sendable {
    var lifetime: TimeInterval
    var idleLimit: TimeInterval
}
