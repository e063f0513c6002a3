import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Password hashes as `user_credentials.password_hash` keeps them, and the one place they are made and
/// checked.
///
/// bcrypt reads at most 72 bytes of its input, so on its own it would compare a long
/// passphrase by its first 72 bytes only. Every password is therefore pre-hashed: Unicode NFC
/// (the same passphrase typed on another keyboard is the same bytes), HMAC-SHA-256 under a
/// fixed key, base64 (44 ASCII bytes, never a NUL), then bcrypt. The HMAC key is not a secret;
/// it keeps the pre-hash from being a plain SHA-256 that another site's leaked unsalted hashes
/// could be tried against. Such hashes are stored as `$sp1$` + the bcrypt hash. A bare bcrypt
/// hash is the earlier form: still accepted, and replaced at the owner's next login
/// (`needsRehash`).
///
/// bcrypt runs on Dispatch's threads: a hash takes a quarter of a second of CPU on purpose, and
/// on Swift's cooperative pool it would stall every other request's task meanwhile. At most
/// `gate`'s number of hashes run at once, a few more wait, and beyond that a hash is refused
/// (`HashingGate.Busy`, a 503): a burst of logins must not queue a minute of bcrypt ahead of
/// everyone else's.
public struct PasswordHasher: Sendable {
    static let prefix = "$sp1$"
    static let preHashKey = SymmetricKey(data: Data("soapstone password pre-hash, version 1".utf8))

    public let cost: UInt8
    let gate: HashingGate

    /// A real hash of a random password: checked when no user matches a login, so that an
    /// unknown account costs the same time as a wrong password.
    let decoy: String

    public init(cost: UInt8 = 12, gate: HashingGate = HashingGate()) {
        self.cost = cost
        self.gate = gate
        self.decoy = Self.hashNow("decoy-\(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await gate.run { Self.hashNow(password, cost: cost) }
    }

    /// Whether `password` is the one `stored` was made from. Without a stored hash (no such
    /// user) it checks the decoy, which nothing matches, at the same cost.
    public func verify(_ password: String, against stored: String?) async throws -> Bool {
        let hash = stored ?? decoy
        let matches = try await gate.run {
            if hash.hasPrefix(Self.prefix) {
                return Bcrypt.verify(Self.preHash(password), hash: String(hash.dropFirst(Self.prefix.count)))
            }
            return Bcrypt.verify(password, hash: hash)
        }
        return matches && stored != nil
    }

    /// A hash in the earlier form, or of a lower cost than this hasher's: after a successful
    /// login it is replaced with `hash(password)`.
    public func needsRehash(_ stored: String) -> Bool {
        guard stored.hasPrefix(Self.prefix) else { return true }
        // `$sp1$$2b$12$…`: the cost is the third field of the bcrypt part.
        let fields = stored.dropFirst(Self.prefix.count).split(separator: "$")
        guard fields.count >= 2, let storedCost = UInt8(fields[1]) else { return true }
        return storedCost < cost
    }

    static func hashNow(_ password: String, cost: UInt8) -> String {
        prefix + Bcrypt.hash(preHash(password), cost: cost)
    }

    static func preHash(_ password: String) -> String {
        let normalized = password.precomposedStringWithCanonicalMapping
        return Data(HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: preHashKey)).base64EncodedString()
    }

}
