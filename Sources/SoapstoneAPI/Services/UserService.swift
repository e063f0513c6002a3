import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// User administration for an organisation's admins: the last active admin stays, nobody
/// changes their own role, and a deactivated user's sessions end at once.
struct UserService: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy

    func list(_ order: UserRepository.Order, limit: Int, after: RowCursor?, by principal: Principal) async throws
        -> Page<User, RowCursor>
    {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            try await tx.users.list(order, limit: limit, after: after)
        }
    }

    func find(_ id: UUID, by principal: Principal) async throws -> User {
        let user = try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            try await tx.users.find(id: id)
        }
        guard let user else { throw DomainError.notFound }
        return user
    }

    func create(by principal: Principal, email: String, name: String, password: String, role: Role) async throws -> User {
        let email = LoginIdentity.normalizedEmail(email)
        let problems =
            Validation.email(email) + Validation.personName(name) + passwordPolicy.problems(with: password, email: email)
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        let hash = try await hasher.hash(password)
        let refused = AuditEntry(principal, .userCreate, entityType: "user", entityID: nil)
        return try await RefusalAudit(database: database).auditing(refused, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                let user = try await tx.users.create(
                    email: email, name: name.trimmingCharacters(in: .whitespaces), role: role, passwordHash: hash)
                try await tx.auditEvents.record(
                    AuditEntry(principal, .userCreate, entityType: "user", entityID: user.id),
                    detail: ["role": role.rawValue])
                return user
            }
        }
    }

    func update(_ id: UUID, by principal: Principal, name: String?, role: Role?, active: Bool?) async throws -> User {
        if let name { try require(Validation.personName(name)) }
        let refused = AuditEntry(principal, .userUpdate, entityType: "user", entityID: id)
        return try await RefusalAudit(database: database).auditing(refused, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                guard let before = try await tx.users.find(id: id) else { throw DomainError.notFound }
                try await UserAdministrationRules.check(
                    actor: principal, target: before, role: role, active: active,
                    otherActiveAdmins: { try await tx.users.countActiveAdmins(excluding: id) })
                guard
                    let after = try await tx.users.update(
                        id: id, name: name?.trimmingCharacters(in: .whitespaces), role: role, active: active)
                else { throw DomainError.notFound }
                // Their open sessions end at once, access tokens included (the role is in them).
                if before.active && !after.active || before.role != after.role {
                    try await tx.sessions.endAll(ofUser: id)
                }
                var changes: [String: String] = [:]
                if before.name != after.name { changes["name"] = "changed" }
                if before.role != after.role { changes["role"] = "\(before.role.rawValue)->\(after.role.rawValue)" }
                if before.active != after.active { changes["active"] = String(after.active) }
                try await tx.auditEvents.record(
                    AuditEntry(principal, .userUpdate, entityType: "user", entityID: id),
                    detail: changes)
                return after
            }
        }
    }

    private func require(_ problems: [FieldError]) throws {
        guard problems.isEmpty else { throw DomainError.validation(problems) }
    }
}
