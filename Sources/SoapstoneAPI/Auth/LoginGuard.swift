import Foundation

/// Slows down password guessing: a lockout per account (5 consecutive failures lock it for
/// 15 minutes) and a throttle per client address on the auth routes. The lockout is keyed by
/// organisation and email whether or not such an account exists, so its answers reveal nothing
/// about which accounts exist. State is per process; a restart forgets it.
actor LoginGuard {
    struct Settings: Sendable {
        var failuresBeforeLockout = 5
        var lockout: TimeInterval = 15 * 60
        /// Auth requests per client address per minute; a whole clinic may share one address.
        var requestsPerMinute = 120
    }

    struct Lock: Error {
        let retryAfter: Int
    }

    private struct Failures {
        var count = 0
        var lockedUntil: Date?
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let settings: Settings
    let clock: @Sendable () -> Date
    private var failures: [String: Failures] = [:]
    private var buckets: [String: Bucket] = [:]

    init(settings: Settings, clock: @escaping @Sendable () -> Date) {
        self.settings = settings
        self.clock = clock
    }

    static func accountKey(organization: String, email: String) -> String {
        "\(organization.lowercased())\u{0}\(email.lowercased())"
    }

    /// Takes one request from the address's allowance; throws when there is none left.
    func admit(address: String) throws {
        let now = clock()
        let capacity = Double(settings.requestsPerMinute)
        var bucket = buckets[address] ?? Bucket(tokens: capacity, updated: now)
        bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.updated) * capacity / 60)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[address] = bucket
            throw Lock(retryAfter: max(1, Int(((1 - bucket.tokens) * 60 / capacity).rounded(.up))))
        }
        bucket.tokens -= 1
        buckets[address] = bucket
        if buckets.count > 100_000 { forgetFull(now: now) }
    }

    /// Throws while the account is locked.
    func checkNotLocked(_ account: String) throws {
        guard let until = failures[account]?.lockedUntil else { return }
        let remaining = until.timeIntervalSince(clock())
        if remaining > 0 { throw Lock(retryAfter: Int(remaining.rounded(.up))) }
        failures[account] = nil
    }

    /// Counts a failure; answers true when this one locked the account.
    func recordFailure(_ account: String) -> Bool {
        var entry = failures[account] ?? Failures()
        entry.count += 1
        if entry.count >= settings.failuresBeforeLockout {
            entry.lockedUntil = clock().addingTimeInterval(settings.lockout)
            entry.count = 0
            failures[account] = entry
            return true
        }
        failures[account] = entry
        return false
    }

    func recordSuccess(_ account: String) {
        failures[account] = nil
    }

    /// Buckets that refilled completely carry no information; drop them to bound memory.
    private func forgetFull(now: Date) {
        let capacity = Double(settings.requestsPerMinute)
        buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * capacity / 60 < capacity }
    }
}
