import Foundation
import SoapstoneCore

public struct AuthConfiguration: Sendable {
    public var keys: SigningKeys
    public var issuer = "soapstone"
    public var audience = "soapstone-api"
    public var accessTokenLifetime: TimeInterval = 15 * 60
    /// A session (a login and its refreshes) ends this long after the login, however often it
    /// is refreshed.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// A session not refreshed for this long ends (the web page refreshes every 14 minutes
    /// while open).
    public var sessionIdleLimit: TimeInterval = 30 * 60
    /// bcrypt's cost; 12 in production, lower only in tests.
    public var bcryptCost: UInt8 = 12
    /// How many password hashes run at once and how many may wait (one per core, four times
    /// that); one more answers 503 at once.
    public var passwordHashing = HashingGate()
    public var requestsPerMinutePerAddress = 120
    public var failuresBeforeLockout = 5
    public var lockout: TimeInterval = 15 * 60
    /// In production (the default) the published development password opens nothing and is
    /// refused as a new password; only `soapstone dev` and the tests say otherwise.
    public var isProduction = true
    /// The web page logs out after this long without the user touching it.
    public var webIdleTimeout: TimeInterval = 15 * 60
    /// The note editor keeps a version when typing pauses this long, and at least this often
    /// while it goes on (README, "Versions").
    public var webAutosavePause: TimeInterval = 10
    public var webAutosaveAtMost: TimeInterval = 3 * 60

    public init(keys: SigningKeys) {
        self.keys = keys
    }
}
