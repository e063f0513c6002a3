import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// A patient's care team (issue 32): who treats them, and so who sees their chart when it is
/// restricted. Every read and change audited in the same transaction as the work.
struct CareTeamService: Sendable {
    let database: Database

    func list(patient patientID: UUID, limit: Int, after: RowCursor?, by principal: Principal) async throws
        -> Page<CareTeamMember, RowCursor>
    {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard try await tx.patients.find(id: patientID) != nil else { throw DomainError.notFound }
            let page = try await tx.careTeam.members(of: patientID, limit: limit, after: after)
            try await tx.auditEvents.record(
                AuditEntry(principal, .careTeamRead, entityType: "patient", entityID: patientID, patientID: patientID),
                detail: ["count": String(page.items.count)])
            return page
        }
    }

    /// Puts an active physician or nurse of the organisation on the team; one already on it is a
    /// conflict. The user is read FOR SHARE: a change of their role waits for this one.
    func add(_ userID: UUID, patient patientID: UUID, by principal: Principal) async throws -> CareTeamMember {
        let entry = AuditEntry(principal, .careTeamAdd, entityType: "user", entityID: userID, patientID: patientID)
        return try await RefusalAudit(database: database).auditing(entry, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                guard try await tx.patients.find(id: patientID) != nil else { throw DomainError.notFound }
                guard let user = try await tx.users.findLocking(id: userID), user.active,
                    CareTeamMember.treatingRoles.contains(user.role)
                else {
                    throw DomainError.validation([
                        FieldError(field: "user_id", message: "must be an active physician or nurse of the organisation")
                    ])
                }
                guard !(try await tx.careTeam.members(of: patientID)).contains(where: { $0.userID == userID }) else {
                    throw DomainError.conflict("\(user.name) is on the care team already.")
                }
                try await tx.careTeam.add(patientID: patientID, userID: userID, by: principal.userID)
                try await tx.auditEvents.record(entry)
                guard let member = try await tx.careTeam.members(of: patientID).first(where: { $0.userID == userID }) else {
                    throw DomainError.notFound
                }
                return member
            }
        }
    }

    /// Takes a user off the team (their membership stays on record, ended); not on it: 404.
    func remove(_ userID: UUID, patient patientID: UUID, by principal: Principal) async throws {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard try await tx.careTeam.remove(patientID: patientID, userID: userID, by: principal.userID) else {
                throw DomainError.notFound
            }
            try await tx.auditEvents.record(
                AuditEntry(principal, .careTeamRemove, entityType: "user", entityID: userID, patientID: patientID))
        }
    }
}
