import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// Encounters of a patient, with docs/design.md's status transitions, each read and write audited
/// in the same transaction as the work.
struct EncounterService: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    func list(patient patientID: UUID, limit: Int, after: RowCursor?, by principal: Principal) async throws
        -> Page<Encounter, RowCursor>
    {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard try await tx.patients.find(id: patientID) != nil else { throw DomainError.notFound }
            let page = try await tx.encounters.list(patientID: patientID, limit: limit, after: after)
            try await tx.auditEvents.record(
                entry(principal, .encounterList, encounter: nil, patient: patientID),
                detail: ["count": String(page.items.count)])
            return page
        }
    }

    func create(
        patient patientID: UUID, type: EncounterType, status: EncounterStatus, startedAt: Date?, reason: String?,
        attendingUserID: UUID?,
        by principal: Principal, idempotency: IdempotencyRequest? = nil
    ) async throws -> Encounter {
        let startedAt = try EncounterLifecycle.start(of: status, requested: startedAt, now: clock())
        try requireReason(reason)
        let attempt = entry(principal, .encounterCreate, encounter: nil, patient: patientID)
        return try await RefusalAudit(database: database).auditing(attempt, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                try await tx.idempotencyKeys.once(
                    idempotency, userID: principal.userID, id: \.id,
                    replay: { id in
                        // The encounter as it is now goes out again: a read, and audited as one.
                        guard let encounter = try await tx.encounters.find(id: id) else { return nil }
                        try await tx.auditEvents.record(
                            entry(principal, .encounterRead, encounter: id, patient: encounter.patientID),
                            detail: ["idempotent_replay": "true"])
                        return encounter
                    },
                    create: {
                        guard let patient = try await tx.patients.find(id: patientID) else { throw DomainError.notFound }
                        if patient.restriction.restricted, try await !tx.patients.chartOpen(patientID) {
                            throw PatientRestriction.closedChart
                        }
                        let encounter = try await tx.encounters.create(
                            patientID: patientID, type: type, status: status, startedAt: startedAt, reason: reason,
                            attendingUserID: attendingUserID)
                        try await tx.auditEvents.record(
                            entry(principal, .encounterCreate, encounter: encounter.id, patient: patientID))
                        return encounter
                    })
            }
        }
    }

    func find(_ id: UUID, by principal: Principal) async throws -> Encounter {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let encounter = try await tx.encounters.find(id: id) else { throw DomainError.notFound }
            try await tx.auditEvents.record(entry(principal, .encounterRead, encounter: id, patient: encounter.patientID))
            return encounter
        }
    }

    func update(_ id: UUID, _ changes: EncounterChanges, by principal: Principal) async throws -> Encounter {
        try requireReason(changes.reason)
        let now = clock()
        // A refused transition is audited without its patient: the refusal comes before the read.
        let refused = AuditEntry(principal, .encounterUpdate, entityType: "encounter", entityID: id)
        return try await RefusalAudit(database: database).auditing(refused, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                guard let current = try await tx.encounters.findForUpdate(id: id) else { throw DomainError.notFound }
                var changes = changes
                changes.statusReason = try EncounterLifecycle.statusReason(
                    from: current.status, to: changes.status, reason: changes.statusReason)
                var detail: [String: String] = [:]
                if let next = changes.status {
                    if let refusal = EncounterLifecycle.refusal(from: current.status, to: next) { throw refusal }
                    if next == .enteredInError, next != current.status,
                        let refusal = EncounterLifecycle.voidRefusal(
                            noteStatuses: try await tx.notes.statuses(inEncounter: id), by: principal.role)
                    {
                        throw refusal
                    }
                    if next != current.status { detail["status"] = "\(current.status.rawValue)->\(next.rawValue)" }
                }
                (changes.startedAt, changes.endedAt) = try EncounterLifecycle.clock(
                    from: current.status, to: changes.status, started: current.startedAt, ended: current.endedAt,
                    requestedStart: changes.startedAt, requestedEnd: changes.endedAt, now: now)
                guard let updated = try await tx.encounters.update(id: id, changes) else { throw DomainError.notFound }
                try await tx.auditEvents.record(
                    entry(principal, .encounterUpdate, encounter: id, patient: current.patientID), detail: detail)
                return updated
            }
        }
    }

    private func requireReason(_ reason: String?) throws {
        if let reason, reason.count > 1000 {
            throw DomainError.validation([FieldError(field: "reason", message: "must be at most 1000 characters")])
        }
    }

    private func entry(_ principal: Principal, _ action: AuditAction, encounter: UUID?, patient: UUID) -> AuditEntry {
        AuditEntry(principal, action, entityType: "encounter", entityID: encounter, patientID: patient)
    }
}
