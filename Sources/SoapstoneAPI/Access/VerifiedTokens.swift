import Foundation
import SoapstoneCore
import Synchronization

/// A bounded memory of verified access tokens (`AccessTokens.verified`).
final class VerifiedTokens: Sendable {
    struct Entry: Sendable {
        let principal: Principal
        let session: UUID?
        let issuedAt: Date
        let expiresAt: Date

        /// Not expired, and not issued in the future (a minute of leeway for clocks that
        /// disagree a little).
        func isCurrent(at now: Date) -> Bool {
            expiresAt > now && issuedAt <= now.addingTimeInterval(60)
        }
    }

    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ token: String) -> Entry? {
        entries.withLock { $0[token] }
    }

    func remember(_ token: String, _ entry: Entry, now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expiresAt > now }
                // Still full of live tokens: start over rather than grow; a miss costs one
                // verification, never a wrong answer.
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = entry
        }
    }
}
