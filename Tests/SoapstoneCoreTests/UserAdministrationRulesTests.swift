import Foundation
import SoapstoneCore
import Testing

@Suite("User administration rules")
struct UserAdministrationRulesTests {
    let tenant = UUID()

    func user(_ role: Role, active: Bool = true) -> User {
        User(id: UUID(), tenantID: tenant, email: "x@example.org", name: "X", role: role, active: active, createdAt: Date())
    }

    @Test("The last active admin is never demoted or deactivated; another admin makes it possible")
    func lastAdmin() async throws {
        let actor = Principal(user(.admin))
        let target = user(.admin)
        let lastAdmin = DomainError.conflict("This is the last active admin; make another admin first.")
        await #expect(throws: lastAdmin) {
            try await UserAdministrationRules.check(actor: actor, target: target, role: .nurse, active: nil, otherActiveAdmins: { 0 })
        }
        await #expect(throws: lastAdmin) {
            try await UserAdministrationRules.check(actor: actor, target: target, role: nil, active: false, otherActiveAdmins: { 0 })
        }
        try await UserAdministrationRules.check(actor: actor, target: target, role: .nurse, active: nil, otherActiveAdmins: { 1 })
        // Not an admin change at all: the count is not even asked for.
        try await UserAdministrationRules.check(
            actor: actor, target: user(.nurse), role: .physician, active: false,
            otherActiveAdmins: { Issue.record("asked"); return 0 })
        try await UserAdministrationRules.check(
            actor: actor, target: user(.admin, active: false), role: .nurse, active: nil, otherActiveAdmins: { 0 })
    }

    @Test("Nobody changes their own role; their name, or the same role, they may")
    func ownRole() async throws {
        let me = user(.admin)
        let actor = Principal(me)
        await #expect(throws: DomainError.conflict("Nobody changes their own role; ask another admin.")) {
            try await UserAdministrationRules.check(actor: actor, target: me, role: .physician, active: nil, otherActiveAdmins: { 5 })
        }
        try await UserAdministrationRules.check(actor: actor, target: me, role: .admin, active: nil, otherActiveAdmins: { 5 })
        try await UserAdministrationRules.check(actor: actor, target: me, role: nil, active: nil, otherActiveAdmins: { 5 })
    }
}
