import Foundation
import PostgresNIO
import SoapstoneCore

/// What a PATCH of an encounter sends: nil leaves a field as it is.
public struct EncounterChanges: Sendable {
    public var type: EncounterType?
    public var status: EncounterStatus?
    public var startedAt: Date?
    public var endedAt: Date?
    public var reason: String?
    public var attendingUserID: UUID?
    public var statusReason: String?

    public init(
        type: EncounterType? = nil, status: EncounterStatus? = nil, startedAt: Date? = nil, endedAt: Date? = nil,
        reason: String? = nil,
        attendingUserID: UUID? = nil, statusReason: String? = nil
    ) {
        (self.type, self.status, self.startedAt, self.endedAt, self.reason, self.attendingUserID, self.statusReason) =
            (type, status, startedAt, endedAt, reason, attendingUserID, statusReason)
    }
}

public struct EncounterRepository {
    let tx: TenantTransaction

    public func create(
        id: UUID = UUID(), patientID: UUID, type: EncounterType, status: EncounterStatus = .planned,
        startedAt: Date? = nil, endedAt: Date? = nil, reason: String?, attendingUserID: UUID?
    ) async throws -> Encounter {
        let rows = try await tx.query(
            """
            INSERT INTO encounters (id, tenant_id, patient_id, type, status, started_at, ended_at, reason, attending_user_id)
            VALUES (\(id), \(tx.tenantID), \(patientID), \(type.rawValue), \(status.rawValue), \(startedAt), \(endedAt),
                    \(reason), \(attendingUserID))
            RETURNING \(unescaped: Self.columns)
            """)
        guard let encounter = try await Self.first(rows) else { throw DomainError.notFound }
        return encounter
    }

    public func find(id: UUID) async throws -> Encounter? {
        guard let encounter = try await Self.first(
            tx.query("SELECT \(unescaped: Self.columns) FROM api_encounters WHERE tenant_id = \(tx.tenantID) AND id = \(id)"))
        else { return nil }
        return try await withDraftCounts([encounter]).first
    }

    /// The row, locked until the transaction ends: a status change checks the current status
    /// and writes the next one without another change slipping in between.
    public func findForUpdate(id: UUID) async throws -> Encounter? {
        // The explicit tenant_id: Citus locks rows FOR UPDATE only in a statement it routes to one shard.
        try await Self.first(
            tx.query("SELECT \(unescaped: Self.columns) FROM encounters WHERE tenant_id = \(tx.tenantID) AND id = \(id) FOR UPDATE"))
    }

    /// One page of a patient's encounters, newest first (planned ones without a start first),
    /// from the encounter after `after`.
    public func list(patientID: UUID, limit: Int, after: RowCursor?) async throws -> Page<Encounter, RowCursor> {
        let rows = try await tx.query(
            """
            SELECT \(unescaped: Self.columns) FROM api_encounters
             WHERE tenant_id = \(tx.tenantID) AND patient_id = \(patientID)
               AND (\(after?.id)::uuid IS NULL
                    OR (coalesce(started_at, 'infinity'), created_at, id)
                       < (SELECT coalesce(started_at, 'infinity'), created_at, id FROM api_encounters
                           WHERE tenant_id = \(tx.tenantID) AND id = \(after?.id)))
             ORDER BY coalesce(started_at, 'infinity') DESC, created_at DESC, id DESC
             LIMIT \(limit + 1)
            """)
        var encounters: [Encounter] = []
        for try await row in rows.decode(Row.self) {
            encounters.append(Self.encounter(row))
        }
        let page = Page(fetched: encounters, limit: limit) { RowCursor(id: $0.id) }
        return Page(items: try await withDraftCounts(page.items), next: page.next)
    }

    /// The encounters with how many of their notes are drafts, in one statement for them all.
    func withDraftCounts(_ encounters: [Encounter]) async throws -> [Encounter] {
        guard !encounters.isEmpty else { return encounters }
        let rows = try await tx.query(
            """
            SELECT encounter_id, count(*) FROM notes
             WHERE tenant_id = \(tx.tenantID) AND encounter_id = ANY(\(encounters.map(\.id))) AND status = 'draft'
             GROUP BY encounter_id
            """)
        var drafts: [UUID: Int] = [:]
        for try await (id, count) in rows.decode((UUID, Int).self) { drafts[id] = count }
        return encounters.map {
            var encounter = $0
            encounter.draftNotes = drafts[encounter.id] ?? 0
            return encounter
        }
    }

    public func update(id: UUID, _ changes: EncounterChanges) async throws -> Encounter? {
        let updated = try await Self.first(
            tx.query(
                """
                UPDATE encounters SET
                    type = COALESCE(\(changes.type?.rawValue), type),
                    status = COALESCE(\(changes.status?.rawValue), status),
                    started_at = COALESCE(\(changes.startedAt), started_at),
                    ended_at = COALESCE(\(changes.endedAt), ended_at),
                    reason = COALESCE(\(changes.reason), reason),
                    attending_user_id = COALESCE(\(changes.attendingUserID), attending_user_id),
                    status_reason = COALESCE(\(changes.statusReason), status_reason)
                 WHERE tenant_id = \(tx.tenantID) AND id = \(id)
                RETURNING \(unescaped: Self.columns)
                """))
        guard let updated else { return nil }
        return try await withDraftCounts([updated]).first
    }

    static let columns = "id, patient_id, type, status, started_at, ended_at, reason, attending_user_id, status_reason"

    static func first(_ rows: PostgresRowSequence) async throws -> Encounter? {
        for try await row in rows.decode(Row.self) {
            return encounter(row)
        }
        return nil
    }

    /// A row of `columns`.
    typealias Row = (UUID, UUID, EncounterType, EncounterStatus, Date?, Date?, String?, UUID?, String?)

    static func encounter(_ row: Row) -> Encounter {
        Encounter(
            id: row.0, patientID: row.1, type: row.2, status: row.3, startedAt: row.4, endedAt: row.5, reason: row.6,
            attendingUserID: row.7, statusReason: row.8)
    }
}

extension TenantTransaction {
    public var encounters: EncounterRepository { EncounterRepository(tx: self) }
}
