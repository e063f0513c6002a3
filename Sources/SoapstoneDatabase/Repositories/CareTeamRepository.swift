import Foundation
import PostgresNIO
import SoapstoneCore

/// A patient's care team (migration 34). A member leaves by a mark on their row, so who was on
/// the team, and when, stays on record.
public struct CareTeamRepository {
    let tx: TenantTransaction

    /// The current members, by name (all of them: a team is a handful of people).
    public func members(of patientID: UUID) async throws -> [CareTeamMember] {
        try await members(of: patientID, limit: 10_000, after: nil).items
    }

    /// A page of the current members, by name, after the member `after` names.
    public func members(of patientID: UUID, limit: Int, after: RowCursor?) async throws -> Page<CareTeamMember, RowCursor> {
        var members: [CareTeamMember] = []
        let rows = try await tx.query(
            """
            SELECT m.patient_id, m.user_id, u.name, u.role, m.added_by, m.added_at
              FROM care_team_members m
              JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
             WHERE m.tenant_id = \(tx.tenantID) AND m.patient_id = \(patientID) AND m.removed_at IS NULL
               AND (\(after?.id)::uuid IS NULL
                    OR (u.name, m.user_id) > (SELECT a.name, a.id FROM users a WHERE a.tenant_id = \(tx.tenantID) AND a.id = \(after?.id)))
             ORDER BY u.name, m.user_id
             LIMIT \(limit + 1)
            """)
        for try await (patient, user, name, role, addedBy, addedAt) in rows.decode((UUID, UUID, String, Role, UUID, Date).self) {
            members.append(
                CareTeamMember(patientID: patient, userID: user, name: name, role: role, addedBy: addedBy, addedAt: addedAt))
        }
        return Page(fetched: members, limit: limit) { RowCursor(id: $0.userID) }
    }

    /// Puts a user on the team; a user on it already is a conflict (the partial unique key).
    public func add(patientID: UUID, userID: UUID, by adder: UUID) async throws {
        try await tx.run(
            """
            INSERT INTO care_team_members (tenant_id, patient_id, user_id, added_by)
            VALUES (\(tx.tenantID), \(patientID), \(userID), \(adder))
            """)
    }

    /// Takes a user off the team; false when they were not on it.
    public func remove(patientID: UUID, userID: UUID, by remover: UUID) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE care_team_members SET removed_by = \(remover), removed_at = now()
             WHERE tenant_id = \(tx.tenantID) AND patient_id = \(patientID) AND user_id = \(userID) AND removed_at IS NULL
            """) > 0
    }
}

extension TenantTransaction {
    public var careTeam: CareTeamRepository { CareTeamRepository(tx: self) }
}
