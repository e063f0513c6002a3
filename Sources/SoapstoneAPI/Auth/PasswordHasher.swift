import Dispatch
import HummingbirdBcrypt

/// bcrypt, run on Dispatch's threads: a hash takes a quarter of a second of CPU on purpose, and
/// on Swift's cooperative pool it would stall every other request's task meanwhile.
struct PasswordHasher: Sendable {
    let cost: UInt8

    /// A real hash of a random password: checked when no user matches a login, so that an
    /// unknown account costs the same time as a wrong password.
    let decoy: String

    init(cost: UInt8) {
        self.cost = cost
        self.decoy = Bcrypt.hash("decoy-\(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    func hash(_ password: String) async -> String {
        let cost = cost
        return await Self.offPool { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async -> Bool {
        await Self.offPool { Bcrypt.verify(password, hash: hash) }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
