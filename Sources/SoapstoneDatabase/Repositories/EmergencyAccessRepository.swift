import Foundation
import PostgresNIO
import SoapstoneCore

/// Emergency grants (migration 34): written when a user breaks the glass, read by
/// `soapstone_set_tenant` until they expire, reviewed afterwards.
public struct EmergencyAccessRepository {
    let tx: TenantTransaction

    /// A grant for `userID` on `patientID` from now (or from `grantedAt`, for a seed's history)
    /// for the clinic's `emergency_access_minutes`. The minutes are read first, and the row is
    /// written as VALUES: Citus copies the rows of an INSERT … SELECT that reads no table of the
    /// tenant's shard through the coordinator, which RLS refuses.
    public func grant(patientID: UUID, userID: UUID, reason: String, grantedAt: Date? = nil) async throws -> EmergencyGrant {
        let minutes = try await tx.tenants.emergencyAccessMinutes()
        let rows = try await tx.query(
            """
            INSERT INTO emergency_access_grants (tenant_id, patient_id, user_id, reason, granted_at, expires_at)
            VALUES (\(tx.tenantID), \(patientID), \(userID), \(reason), coalesce(\(grantedAt)::timestamptz, now()),
                    coalesce(\(grantedAt)::timestamptz, now()) + make_interval(mins => \(minutes)::int))
            RETURNING \(unescaped: Self.columns)
            """)
        guard let grant = try await Self.grants(rows).first else { throw DomainError.notFound }
        return grant
    }

    public func find(id: UUID) async throws -> EmergencyGrant? {
        try await Self.grants(
            tx.query("SELECT \(unescaped: Self.columns) FROM emergency_access_grants WHERE tenant_id = \(tx.tenantID) AND id = \(id)")
        ).first
    }

    /// Closes a grant's review; nil when there is no such grant or it was reviewed already.
    public func review(id: UUID, by reviewer: UUID, outcome: EmergencyGrant.Outcome, note: String?) async throws
        -> EmergencyGrant?
    {
        try await Self.grants(
            tx.query(
                """
                UPDATE emergency_access_grants
                   SET reviewed_by = \(reviewer), reviewed_at = now(), review_outcome = \(outcome.rawValue), review_note = \(note)
                 WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND reviewed_at IS NULL
                RETURNING \(unescaped: Self.columns)
                """)
        ).first
    }

    static let columns = """
        id, patient_id, user_id, reason, granted_at, expires_at, reviewed_by, reviewed_at, review_outcome, review_note
        """

    static func grants(_ rows: PostgresRowSequence) async throws -> [EmergencyGrant] {
        var grants: [EmergencyGrant] = []
        for try await row in rows {
            let (id, patient, user, reason, granted, expires, reviewer, reviewedAt, outcome, note) = try row.decode(
                (UUID, UUID, UUID, String, Date, Date, UUID?, Date?, String?, String?).self)
            var review: EmergencyGrant.Review?
            if let reviewer, let reviewedAt, let outcome = outcome.flatMap(EmergencyGrant.Outcome.init(rawValue:)) {
                review = EmergencyGrant.Review(reviewerID: reviewer, reviewedAt: reviewedAt, outcome: outcome, note: note)
            }
            grants.append(
                EmergencyGrant(
                    id: id, patientID: patient, userID: user, reason: reason, grantedAt: granted, expiresAt: expires,
                    review: review))
        }
        return grants
    }
}

extension TenantTransaction {
    public var emergencyAccess: EmergencyAccessRepository { EmergencyAccessRepository(tx: self) }
}
