import Crypto
import Foundation
import Logging
import SoapstoneCore
import SoapstoneDatabase

/// Sign-up, login, refresh and logout. Every outcome that matters to security is audited, in
/// the same transaction as the work where there is work.
struct AuthService: Sendable {
    let database: Database
    let tokens: AccessTokens
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let loginGuard: LoginGuard
    let sessions: SessionLimits
    let logger: Logger

    // MARK: Sign-up

    func register(organizationName: String, slug: String, email: String, name: String, password: String) async throws -> (
        IssuedSession, Tenant
    ) {
        try await admitClient()
        let email = LoginIdentity.normalizedEmail(email)
        var problems =
            Validation.organizationName(organizationName) + Validation.slug(slug) + Validation.email(email, field: "admin.email")
            + Validation.personName(name, field: "admin.name")
        problems += passwordPolicy.problems(with: password, email: email, field: "admin.password")
        guard problems.isEmpty else { throw DomainError.validation(problems) }

        let hash = try await hasher.hash(password)
        let tenantID = UUID()
        let userID = UUID()
        return try await database.withTenant(tenantID, userID: userID) { tx in
            let tenant = try await tx.tenants.create(name: organizationName.trimmingCharacters(in: .whitespaces), slug: slug)
            let user = try await tx.users.create(
                id: userID, email: email, name: name.trimmingCharacters(in: .whitespaces), role: .admin, passwordHash: hash)
            let session = try await startSession(for: user, in: tx)
            try await tx.auditEvents.record(
                AuditEntry(Principal(user), .authRegister, entityType: "tenant", entityID: tenantID))
            return (session, tenant)
        }
    }

    /// The caller and their organisation as they are now: a deactivated user is no one.
    func me(_ principal: Principal) async throws -> (User, Tenant) {
        let (user, tenant) = try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            (try await tx.users.find(id: principal.userID), try await tx.tenants.current())
        }
        guard let user, user.active, let tenant else { throw AuthError.notSignedIn }
        return (user, tenant)
    }

    // MARK: Login

    func login(organization: String, email: String, password: String) async throws -> IssuedSession {
        // Over-long fields are refused before any work and leave no state behind.
        let identity = try LoginIdentity(organization: organization, email: email, password: password)
        try await admitClient()
        let info = RequestInfo.current

        let candidate = try await database.loginCandidate(organizationSlug: identity.organization, email: identity.email)
        let account = candidate.map { LoginGuard.Account.user($0.userID) } ?? .unknown(identity)
        try await loginGuard.checkNotLocked(account)
        // Without a user the decoy hash is checked, so every failure costs the same time. The
        // published development password opens nothing in production, whatever was seeded.
        let matches =
            try await hasher.verify(password, against: candidate?.passwordHash)
            && !DevelopmentAccounts.isRefused(password, isProduction: passwordPolicy.isProduction)
        guard let candidate, matches else {
            let locked = try await loginGuard.recordFailure(account)
            if let candidate {
                try await database.withTenant(candidate.tenantID, userID: nil) { tx in
                    try await tx.auditEvents.record(
                        AuditEntry(
                            candidate.principal, .authLogin, entityType: "user", entityID: candidate.userID, outcome: .failure),
                        detail: ["reason": "wrong_password"])
                    if locked {
                        try await tx.auditEvents.record(
                            AuditEntry(
                                candidate.principal, .authLockout, entityType: "user", entityID: candidate.userID,
                                outcome: .denied))
                    }
                }
            }
            logger.notice("login failed", metadata: ["request_id": "\(info.requestID)"])
            throw AuthError.invalidCredentials
        }
        try await loginGuard.recordSuccess(account)
        // A hash of the earlier form (or a lower cost) is replaced while the password is at hand;
        // hashed before the transaction, so no connection waits on bcrypt.
        let upgraded = hasher.needsRehash(candidate.passwordHash) ? try await hasher.hash(password) : nil
        if let upgraded {
            // Before the login's transaction, on its own (Database.replacePasswordHash): a stronger
            // hash of the same password is right even if the login then fails.
            try await database.replacePasswordHash(tenantID: candidate.tenantID, userID: candidate.userID, with: upgraded)
        }
        return try await database.withTenant(candidate.tenantID, userID: candidate.userID) { tx in
            // FOR SHARE: a change of the user's role or status at this moment either comes first
            // (and is seen here) or waits, and then ends the session started here with the others.
            guard let user = try await tx.users.findLocking(id: candidate.userID), user.active else {
                throw AuthError.invalidCredentials
            }
            let session = try await startSession(for: user, in: tx)
            try await tx.auditEvents.record(
                AuditEntry(Principal(user), .authLogin, entityType: "user", entityID: user.id),
                detail: upgraded == nil ? [:] : ["password_hash": "upgraded"])
            return session
        }
    }

    // MARK: Refresh and logout

    func refresh(_ presented: String) async throws -> IssuedSession {
        // What cannot be a token is refused before it is charged to the address: garbage sent
        // twice a second must not lock a clinic out of logging in.
        guard let (tenantID, hash) = RefreshToken.parse(presented) else { throw AuthError.invalidRefreshToken }
        try await admitClient()
        let outcome: Result<IssuedSession, AuthError> = try await database.withTenant(tenantID, userID: nil) { tx in
            // The session's row stays locked until this transaction ends: a logout (or a role
            // change) at the same moment either comes first, and is seen here, or waits and
            // ends the session with the token written here.
            guard let record = try await tx.refreshTokens.findLockingSession(tokenSHA256: hash) else {
                return .failure(.invalidRefreshToken)
            }
            if record.usedAt != nil {
                // A spent token came back: whoever holds it, the session is no longer safe.
                let ended = try await tx.sessions.end(record.familyID)
                tokens.revoked.revoke(record.familyID)
                guard let owner = try await tx.users.find(id: record.userID) else { throw DomainError.notFound }
                try await tx.auditEvents.record(
                    AuditEntry(
                        Principal(owner), .authRefreshReuse, entityType: "user", entityID: record.userID,
                        outcome: .denied),
                    detail: ["family_id": record.familyID.uuidString.lowercased(), "ended": String(ended)])
                return .failure(.invalidRefreshToken)
            }
            guard record.sessionEndedAt == nil, record.expiresAt > tokens.clock(),
                try await tx.refreshTokens.markUsed(id: record.id),
                let user = try await tx.users.find(id: record.userID), user.active
            else { return .failure(.invalidRefreshToken) }
            return .success(try await issue(for: user, in: tx, session: record.familyID, startedAt: record.sessionStartedAt))
        }
        // The reuse audit and the session's end are committed even though the answer is a refusal.
        return try outcome.get()
    }

    func logout(_ presented: String) async throws {
        guard let (tenantID, hash) = RefreshToken.parse(presented) else { return }
        try await admitClient()
        try await database.withTenant(tenantID, userID: nil) { tx in
            guard let record = try await tx.refreshTokens.findLockingSession(tokenSHA256: hash) else { return }
            let ended = try await tx.sessions.end(record.familyID)
            // This instance refuses the session's access tokens at once; the others when the
            // session's end is announced to them, after the commit.
            tokens.revoked.revoke(record.familyID)
            if ended {
                // The key names the user, so the user is there: the audit names their role too.
                guard let owner = try await tx.users.find(id: record.userID) else { throw DomainError.notFound }
                try await tx.auditEvents.record(
                    AuditEntry(Principal(owner), .authLogout, entityType: "user", entityID: record.userID))
            }
        }
    }

    // MARK: -

    /// A new session for `user` (read FOR SHARE, or written, by this transaction): its row, then
    /// its first tokens.
    func startSession(for user: User, in tx: TenantTransaction) async throws -> IssuedSession {
        let session = UUID()
        let now = tokens.clock()
        try await tx.sessions.start(id: session, userID: user.id, at: now)
        return try await issue(for: user, in: tx, session: session, startedAt: now)
    }

    /// A new access token and a refresh token of `session`. The refresh token lives until the
    /// session has been idle too long or has lasted too long, whichever comes first.
    private func issue(for user: User, in tx: TenantTransaction, session: UUID, startedAt: Date) async throws -> IssuedSession
    {
        let refresh = RefreshToken.make(tenantID: tx.tenantID)
        let now = tokens.clock()
        try await tx.refreshTokens.create(
            userID: user.id, familyID: session, tokenSHA256: refresh.sha256,
            expiresAt: min(now.addingTimeInterval(sessions.idleLimit), startedAt.addingTimeInterval(sessions.lifetime)))
        let access = try await tokens.issue(
            for: Principal(userID: user.id, tenantID: tx.tenantID, role: user.role), session: session)
        return IssuedSession(accessToken: access, expiresIn: Int(tokens.lifetime), refreshToken: refresh.value, user: user)
    }

    /// Charges the attempt to the client's address. A request with none (a listener that is
    /// not TCP) is a fault of the deployment: every such client would share one allowance, so
    /// it is refused as one, logged, rather than throttled under a shared name.
    private func admitClient() async throws {
        guard let address = RequestInfo.current.clientAddress else { throw ClientAddressUnknown() }
        try await loginGuard.admit(address: address)
    }
}

/// A login or refresh arrived with no client address to throttle it by (`admitClient`).
struct ClientAddressUnknown: Error, CustomStringConvertible {
    var description: String { "a login or refresh arrived with no client address; the throttle needs one" }
}
