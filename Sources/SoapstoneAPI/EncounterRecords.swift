import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// Encounters of a patient, with DESIGN.md's status transitions, each read and write audited
/// in the same transaction as the work.
struct EncounterRecords: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    func list(patient patientID: UUID, by principal: Principal) async throws -> [Encounter] {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard try await tx.patients.find(id: patientID) != nil else { throw DomainError.notFound }
            let encounters = try await tx.encounters.list(patientID: patientID)
            try await tx.auditEvents.record(
                entry(principal, .encounterList, encounter: nil, patient: patientID),
                detail: ["count": String(encounters.count)])
            return encounters
        }
    }

    func create(
        patient patientID: UUID, type: EncounterType, status: EncounterStatus, startedAt: Date?, reason: String?,
        attendingUserID: UUID?,
        by principal: Principal, idempotency: IdempotencyRequest? = nil
    ) async throws -> Encounter {
        guard [.planned, .inProgress].contains(status) else {
            throw DomainError.validation([FieldError(field: "status", message: "a new encounter is planned or in_progress")])
        }
        try requireReason(reason)
        let startedAt = startedAt ?? (status == .inProgress ? clock() : nil)
        return try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard try await tx.patients.find(id: patientID) != nil else { throw DomainError.notFound }
            let encounter = try await tx.encounters.create(
                patientID: patientID, type: type, status: status, startedAt: startedAt, reason: reason,
                attendingUserID: attendingUserID)
            try await tx.auditEvents.record(entry(principal, .encounterCreate, encounter: encounter.id, patient: patientID))
            return encounter
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
        return try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let current = try await tx.encounters.findForUpdate(id: id) else { throw DomainError.notFound }
            var changes = changes
            var detail: [String: String] = [:]
            if let next = changes.status, next != current.status {
                guard current.status.canMove(to: next) else {
                    let allowed = current.status.allowedNextStatuses.map(\.rawValue).sorted().joined(separator: ", ")
                    throw DomainError.conflict(
                        "An encounter that is \(current.status.rawValue) cannot become \(next.rawValue)"
                            + (allowed.isEmpty ? "." : "; it may become: \(allowed)."))
                }
                // The clock starts and stops with the status unless the client says when. A
                // planned encounter's time was the plan: it starts when it is started.
                if next == .inProgress, current.status == .planned || current.startedAt == nil,
                    changes.startedAt == nil
                {
                    changes.startedAt = now
                }
                if next == .finished, current.endedAt == nil, changes.endedAt == nil { changes.endedAt = now }
                detail["status"] = "\(current.status.rawValue)->\(next.rawValue)"
            }
            let start = changes.startedAt ?? current.startedAt
            if let start, let end = changes.endedAt ?? current.endedAt, end < start {
                throw DomainError.validation([FieldError(field: "ended_at", message: "must not be before started_at")])
            }
            guard let updated = try await tx.encounters.update(id: id, changes) else { throw DomainError.notFound }
            try await tx.auditEvents.record(
                entry(principal, .encounterUpdate, encounter: id, patient: current.patientID), detail: detail)
            return updated
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
