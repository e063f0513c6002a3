import Foundation
import PostgresNIO
import SoapstoneCore

/// The append-only audit log. Written in the same transaction as the work it records, so there
/// is never data without its event or an event without its data.
public struct AuditEventRepository {
    let tx: TenantTransaction

    /// `shown`: for a list that names patients but is about none of them, the patients on the
    /// page, which the patient's access report then finds.
    @discardableResult
    public func record(_ entry: AuditEntry, detail: [String: String] = [:], shown: [UUID]? = nil) async throws -> UUID {
        for try await id in try await tx.execute(
            RecordAuditEvent(tenantID: tx.tenantID, entry: entry, detail: detail, shown: shown))
        {
            if let id { return id }
        }
        // The insert answers its event's id or fails. No id: the event was not written (a
        // trigger skipped it), and work that cannot be audited is not done: a logged 500.
        throw DatabaseError.unexpected(sqlState: nil, summary: "the audit insert wrote no event")
    }

    /// One page, newest first, from the event after `filter.after`, and the next page's cursor.
    public func search(_ filter: AuditEventFilter) async throws -> (events: [AuditEvent], next: AuditEventCursor?) {
        let rows = try await tx.query(
            """
            SELECT a.id, a.occurred_at, (extract(epoch FROM a.occurred_at) * 1000000)::int8, a.user_id, a.role, a.action,
                   a.entity_type, a.entity_id, a.patient_id, host(a.ip), a.request_id, a.client_request_id, a.outcome,
                   p.mrn, p.family_name, p.given_name, p.birth_date::text
              FROM api_audit_events a
              LEFT JOIN api_patients p ON p.tenant_id = a.tenant_id AND p.id = a.patient_id
             WHERE a.tenant_id = \(tx.tenantID)
               AND (\(filter.userID)::uuid IS NULL OR a.user_id = \(filter.userID))
               AND (\(filter.patientID)::uuid IS NULL
                    OR a.id IN (SELECT e.id FROM api_audit_events e WHERE e.tenant_id = \(tx.tenantID) AND e.patient_id = \(filter.patientID)
                                UNION ALL
                                SELECT d.event_id FROM api_audit_disclosures d
                                 WHERE d.tenant_id = \(tx.tenantID) AND d.patient_id = \(filter.patientID)))
               AND (\(filter.entityID)::uuid IS NULL OR a.entity_id = \(filter.entityID))
               AND (cardinality(\(filter.actions.map(\.rawValue))::text[]) = 0 OR a.action = ANY(\(filter.actions.map(\.rawValue))::text[]))
               AND (\(filter.excludingReadsBy)::uuid IS NULL OR a.action <> 'audit.read' OR a.user_id IS DISTINCT FROM \(filter.excludingReadsBy))
               AND (\(filter.from)::timestamptz IS NULL OR a.occurred_at >= \(filter.from))
               AND (\(filter.to)::timestamptz IS NULL OR a.occurred_at < \(filter.to))
               AND (\(filter.after?.microseconds)::int8 IS NULL
                    OR (a.occurred_at, a.id) < (timestamptz 'epoch' + \(filter.after?.microseconds) * interval '1 microsecond', \(filter.after?.id)))
             ORDER BY a.occurred_at DESC, a.id DESC
             LIMIT \(filter.limit + 1)
            """)
        var page: [(AuditEvent, AuditEventCursor)] = []
        for try await row in rows.decode(
            (UUID, Date, Int64, UUID?, Role?, AuditAction, String, UUID?, UUID?, String?, String?, String?, AuditOutcome, String?,
             String?, String?, String?).self)
        {
            let entry = AuditEntry(
                recordedBy: row.3, role: row.4, action: row.5, entityType: row.6, entityID: row.7,
                patientID: row.8,
                origin: AuditOrigin(ip: row.9, requestID: row.10, clientRequestID: row.11),
                outcome: row.12)
            let patient = row.13.map {
                PatientLabel(mrn: $0, familyName: row.14 ?? "", givenName: row.15 ?? "", birthDate: row.16 ?? "")
            }
            page.append(
                (AuditEvent(id: row.0, occurredAt: row.1, entry: entry, patient: patient),
                 AuditEventCursor(microseconds: row.2, id: row.0)))
        }
        guard page.count > filter.limit else { return (page.map(\.0), nil) }
        return (page.prefix(filter.limit).map(\.0), page[filter.limit - 1].1)
    }
    /// The patient a record belongs to (a patient is its own), when it is one of this
    /// organisation's: what a refused request's event names, so that the patient's access
    /// report shows the attempt.
    public func patient(ofRecord type: AuditedRecord, id: UUID) async throws -> UUID? {
        let rows = try await tx.query(
            """
            SELECT CASE \(type.rawValue)::text
                     WHEN 'patient' THEN (SELECT p.id FROM api_patients p WHERE p.tenant_id = \(tx.tenantID) AND p.id = \(id))
                     WHEN 'encounter' THEN
                       (SELECT e.patient_id FROM api_encounters e WHERE e.tenant_id = \(tx.tenantID) AND e.id = \(id))
                     WHEN 'note' THEN (SELECT n.patient_id FROM notes n WHERE n.tenant_id = \(tx.tenantID) AND n.id = \(id))
                   END
            """)
        for try await patient in rows.decode(UUID?.self) { return patient }
        return nil
    }

    /// A patient's access report: every event about the patient, and every list that showed
    /// them (detail.patient_ids, found through audit_disclosures, migration 33), in `from ..< to`, oldest first, one page after
    /// `after`. The user's name and the reason for a change come from the records they name,
    /// as they are now; the event itself keeps ids and codes only.
    ///
    /// `excludingReadsBy`: leaves out that user's readings of the audit log and of access
    /// reports, as the log's patient view does; else a reader paging through the report would
    /// meet each page's own reading at its end, for ever.
    public func accessReport(
        patientID: UUID, from: Date?, to: Date?, excludingReadsBy reader: UUID?, limit: Int, after: AuditEventCursor?
    ) async throws -> (entries: [AccessReportEntry], next: AuditEventCursor?) {
        let rows = try await tx.query(
            """
            SELECT a.id, a.occurred_at, (extract(epoch FROM a.occurred_at) * 1000000)::int8, a.user_id, a.role, a.action,
                   a.entity_type, a.entity_id, a.patient_id, host(a.ip), a.request_id, a.client_request_id, a.outcome,
                   u.name, coalesce(v.reason, n.entered_in_error_reason, e.status_reason),
                   a.patient_id IS DISTINCT FROM \(patientID)
              FROM api_audit_events a
              LEFT JOIN api_users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id
              LEFT JOIN api_note_versions v
                ON a.action = \(AuditAction.noteAmend.rawValue) AND a.outcome = \(AuditOutcome.success.rawValue) AND v.tenant_id = a.tenant_id AND v.note_id = a.entity_id
               AND v.version::text = a.detail ->> 'version'
              LEFT JOIN api_notes n
                ON a.action = \(AuditAction.noteEnteredInError.rawValue) AND a.outcome = \(AuditOutcome.success.rawValue) AND n.tenant_id = a.tenant_id AND n.id = a.entity_id
              LEFT JOIN api_encounters e
                ON a.action = \(AuditAction.encounterUpdate.rawValue) AND a.outcome = \(AuditOutcome.success.rawValue) AND a.detail ->> 'status' LIKE '%->entered_in_error'
               AND e.tenant_id = a.tenant_id AND e.id = a.entity_id
             WHERE a.tenant_id = \(tx.tenantID)
               AND a.id IN (SELECT e.id FROM api_audit_events e
                             WHERE e.tenant_id = \(tx.tenantID) AND e.patient_id = \(patientID)
                               AND (\(from)::timestamptz IS NULL OR e.occurred_at >= \(from))
                               AND (\(to)::timestamptz IS NULL OR e.occurred_at < \(to))
                            UNION ALL
                            SELECT d.event_id FROM api_audit_disclosures d
                             WHERE d.tenant_id = \(tx.tenantID) AND d.patient_id = \(patientID)
                               AND (\(from)::timestamptz IS NULL OR d.occurred_at >= \(from))
                               AND (\(to)::timestamptz IS NULL OR d.occurred_at < \(to)))
               AND (\(reader)::uuid IS NULL OR a.user_id IS DISTINCT FROM \(reader)
                    OR a.action NOT IN (\(AuditAction.auditRead.rawValue), \(AuditAction.auditAccessReport.rawValue)))
               AND (\(from)::timestamptz IS NULL OR a.occurred_at >= \(from))
               AND (\(to)::timestamptz IS NULL OR a.occurred_at < \(to))
               AND (\(after?.microseconds)::int8 IS NULL
                    OR (a.occurred_at, a.id) > (timestamptz 'epoch' + \(after?.microseconds) * interval '1 microsecond', \(after?.id)))
             ORDER BY a.occurred_at, a.id
             LIMIT \(limit + 1)
            """)
        var page: [(AccessReportEntry, AuditEventCursor)] = []
        for try await row in rows.decode(
            (UUID, Date, Int64, UUID?, Role?, AuditAction, String, UUID?, UUID?, String?, String?, String?, AuditOutcome,
             String?, String?, Bool).self)
        {
            let entry = AuditEntry(
                recordedBy: row.3, role: row.4, action: row.5, entityType: row.6, entityID: row.7, patientID: row.8,
                origin: AuditOrigin(ip: row.9, requestID: row.10, clientRequestID: row.11), outcome: row.12)
            page.append(
                (AccessReportEntry(
                    event: AuditEvent(id: row.0, occurredAt: row.1, entry: entry), userName: row.13, reason: row.14,
                    listed: row.15),
                 AuditEventCursor(microseconds: row.2, id: row.0)))
        }
        guard page.count > limit else { return (page.map(\.0), nil) }
        return (page.prefix(limit).map(\.0), page[limit - 1].1)
    }
}

extension TenantTransaction {
    public var auditEvents: AuditEventRepository { AuditEventRepository(tx: self) }
}

/// Where a page of the audit log ends: the time and id of its last event.
public typealias AuditEventCursor = InstantCursor

public struct AuditEventFilter: Sendable {
    public var userID: UUID?
    public var patientID: UUID?
    public var entityID: UUID?
    /// Events of any of these actions; every action when empty.
    public var actions: [AuditAction]
    /// Leaves out the audit log's own readings (`audit.read`) by this user: what an auditor's
    /// look at a patient would otherwise fill the patient's view with.
    public var excludingReadsBy: UUID?
    public var from: Date?
    public var to: Date?
    public var limit: Int
    public var after: AuditEventCursor?

    public init(
        userID: UUID? = nil, patientID: UUID? = nil, entityID: UUID? = nil, actions: [AuditAction] = [],
        excludingReadsBy: UUID? = nil, from: Date? = nil, to: Date? = nil,
        limit: Int = 50, after: AuditEventCursor? = nil
    ) {
        (self.userID, self.patientID, self.entityID, self.actions, self.excludingReadsBy) =
            (userID, patientID, entityID, actions, excludingReadsBy)
        (self.from, self.to, self.limit, self.after) = (from, to, limit, after)
    }
}

/// The audit event of a request that writes it beside other statements: a prepared call of the
/// one function that writes events (migration 18), parsed once per connection.
struct RecordAuditEvent: PostgresPreparedStatement {
    static let sql = "SELECT soapstone_record_audit($1, $2, \(PostgresBindings.auditEntryParameters(from: 3)))"
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid] + PostgresBindings.auditEntryTypes }
    typealias Row = UUID?

    let tenantID: UUID
    let entry: AuditEntry
    let detail: [String: String]
    let shown: [UUID]?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 12)
        bindings.append(tenantID)
        bindings.append(entry.userID)
        try bindings.append(entry, detail: detail, shown: shown)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID? { try row.decode(UUID?.self) }
}

/// The kinds of record a request's path names (`/v1/<records>/<id>`), as audit events call them.
public enum AuditedRecord: String, Sendable, CaseIterable {
    case patient, encounter, note, user

    /// The record a request path names, by its first two segments after `/v1`; nil for a path
    /// about no single record, or whose id is not a UUID (no record has it).
    public static func named(byPath path: String) -> (record: AuditedRecord, id: UUID)? {
        let parts = (path.split(separator: "?", maxSplits: 1).first ?? "").split(separator: "/")
        guard parts.count >= 3, parts[0] == "v1", let id = UUID(uuidString: String(parts[2])) else { return nil }
        let record: AuditedRecord? =
            switch parts[1] {
            case "patients": .patient
            case "encounters": .encounter
            case "notes": .note
            case "users": .user
            default: nil
            }
        return record.map { ($0, id) }
    }
}

