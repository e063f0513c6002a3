import Foundation
import OpenAPIRuntime
import SoapstoneCore
import SoapstoneDatabase

extension APIHandler {
    func listAuditEvents(_ input: Operations.listAuditEvents.Input) async throws -> Operations.listAuditEvents.Output {
        let principal = try Principal.authenticated()
        let query = input.query
        let limit = try PageLimit.standard.resolve(query.limit)
        let actions = (query.action ?? []).map(AuditAction.init)
        let patientID = try Self.filterID(query.patient_id, field: "patient_id")
        // A patient's view leaves out the caller's own readings of the log about that patient,
        // unless asked for: by the flag, or by naming the action.
        let ownReadsLeftOut =
            patientID != nil && query.include_own_audit_reads != true && !actions.contains(.auditRead)
        let filter = AuditEventFilter(
            userID: try Self.filterID(query.user_id, field: "user_id"), patientID: patientID,
            entityID: try Self.filterID(query.entity_id, field: "entity_id"), actions: actions,
            excludingReadsBy: ownReadsLeftOut ? principal.userID : nil, from: query.from, to: query.to,
            limit: limit, after: try query.cursor.map(AuditEventCursor.init(opaque:)))
        // What was asked, for the audit of this reading of the log.
        let dates = WholeSecondDates()
        let asked: [String: String?] = [
            "user_id": query.user_id, "patient_id": query.patient_id, "entity_id": query.entity_id,
            "action": query.action.map { $0.map(\.rawValue).joined(separator: ",") },
            "include_own_audit_reads": query.include_own_audit_reads.map { String($0) },
            "from": query.from.flatMap { try? dates.encode($0) }, "to": query.to.flatMap { try? dates.encode($0) },
        ]
        let page = try await auditLog.search(filter, asked: asked.compactMapValues { $0 }, by: principal)
        return .ok(
            .init(body: .json(.init(items: page.events.map(Components.Schemas.AuditEvent.init), next_cursor: page.next?.opaque))))
    }

    func verifyAuditChain(_ input: Operations.verifyAuditChain.Input) async throws -> Operations.verifyAuditChain.Output {
        let found = try await auditLog.verify(by: try Principal.authenticated())
        return .ok(.init(body: .json(.init(found))))
    }

    static func filterID(_ text: String?, field: String) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw DomainError.validation([FieldError(field: field, message: "must be a UUID")])
        }
        return id
    }
}

extension Components.Schemas.AuditEvent {
    init(_ event: AuditEvent) {
        let e = event.entry
        self.init(
            id: event.id.uuidString.lowercased(), occurred_at: event.occurredAt, user_id: e.userID?.uuidString.lowercased(),
            role: e.role?.rawValue, action: .init(e.action), entity_type: e.entityType,
            entity_id: e.entityID?.uuidString.lowercased(), patient_id: e.patientID?.uuidString.lowercased(),
            patient_mrn: event.patient?.mrn, patient_family_name: event.patient?.familyName,
            patient_given_name: event.patient?.givenName, ip: e.origin.ip, request_id: e.origin.requestID,
            client_request_id: e.origin.clientRequestID, outcome: .init(e.outcome))
    }
}

extension Components.Schemas.AuditVerification {
    init(_ found: AuditChain.Verification) {
        self.init(
            status: found.intact ? .intact : .broken, events: found.events,
            head: found.head.map { .init(position: $0.position, hash: $0.hash, sealed_at: $0.sealedAt) },
            first_break: found.firstBreak.map {
                .init(position: $0.position, event_id: $0.eventID?.uuidString.lowercased(), kind: .init(rawValue: $0.kind.rawValue)!)
            },
            unsealed: found.unsealed, oldest_unsealed_at: found.oldestUnsealedAt)
    }
}

extension APIHandler {
    func getPatientAccessReport(_ input: Operations.getPatientAccessReport.Input) async throws
        -> Operations.getPatientAccessReport.Output
    {
        let principal = try Principal.authenticated()
        // Not a UUID: not a patient of this organisation, as any other unknown id.
        guard let patientID = UUID(uuidString: input.path.id) else { throw DomainError.notFound }
        let query = input.query
        if let from = query.from, let to = query.to, to < from {
            throw DomainError.validation([FieldError(field: "to", message: "must not be before from")])
        }
        let csv = input.headers.accept.sortedByQuality().first?.contentType == .csv
        let report = try await auditLog.accessReport(
            patient: patientID, period: (query.from, query.to), ownReads: query.include_own_audit_reads == true,
            limit: csv ? nil : try PageLimit.standard.resolve(query.limit),
            after: try query.cursor.map(AuditEventCursor.init(opaque:)), by: principal)
        guard csv else {
            return .ok(
                .init(
                    body: .json(
                        .init(
                            patient: .init(report.patient.summary), items: report.entries.map(Components.Schemas.AccessReportEntry.init),
                            next_cursor: report.next?.opaque))))
        }
        return .ok(.init(body: .csv(HTTPBody(AccessReportCSV.text(of: report.entries)))))
    }
}

extension Components.Schemas.AccessReportEntry {
    init(_ line: AccessReportEntry) {
        let e = line.event.entry
        self.init(
            event_id: line.event.id.uuidString.lowercased(), occurred_at: line.event.occurredAt,
            user_id: e.userID?.uuidString.lowercased(), user_name: line.userName, role: e.role?.rawValue, action: .init(e.action),
            action_text: e.action.words, entity_type: e.entityType, entity_id: e.entityID?.uuidString.lowercased(),
            outcome: .init(e.outcome), reason: line.reason, listed: line.listed, ip: e.origin.ip,
            request_id: e.origin.requestID)
    }
}
