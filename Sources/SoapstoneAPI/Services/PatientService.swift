import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// Patients, each read and write audited in the same transaction as the work.
struct PatientService: Sendable {
    let database: Database

    func search(_ search: PatientSearch, by principal: Principal) async throws -> (
        patients: [PatientSummary], next: PatientCursor?
    ) {
        try await database.searchPatients(
            search, tenantID: principal.tenantID, audit: entry(principal, .patientList, patient: nil),
            detail: ["filtered": String(search.text != nil)])
    }

    /// Registers a patient. One whose name and birth date match patients on record is refused
    /// as a possible duplicate unless `confirmedDistinct`: the check and the insert share a
    /// transaction, so what the caller confirmed is what was on record.
    func create(
        _ details: PatientDetails, confirmedDistinct: Bool = false, by principal: Principal,
        idempotency: IdempotencyRequest? = nil
    ) async throws -> Patient {
        let problems = PatientValidation.problems(of: details)
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        return try await RefusalAudit(database: database).auditing(entry(principal, .patientCreate, patient: nil), by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                try await tx.idempotencyKeys.once(
                    idempotency, userID: principal.userID, id: \.id,
                    replay: { id in
                        // The record as it is now goes out again: a read, and audited as one.
                        let patient = try await tx.patients.find(id: id)
                        try await tx.auditEvents.record(
                            entry(principal, .patientRead, patient: id), detail: ["idempotent_replay": "true"])
                        return patient
                    },
                    create: {
                        if !confirmedDistinct {
                            let matches = try await tx.patients.possibleDuplicates(of: details)
                            guard matches.isEmpty else { throw DomainError.possibleDuplicate(matches) }
                        }
                        let patient = try await tx.patients.create(details)
                        try await tx.auditEvents.record(entry(principal, .patientCreate, patient: patient.id))
                        return patient
                    })
            }
        }
    }

    /// A patient's record, audited; a restricted one with its care team, so that a caller whose
    /// chart is closed knows whom to ask (one more transaction, for restricted patients only).
    func find(_ id: UUID, by principal: Principal) async throws -> Patient {
        guard var patient = try await database.readPatient(
            id, tenantID: principal.tenantID, audit: entry(principal, .patientRead, patient: id))
        else { throw DomainError.notFound }
        if patient.restriction.restricted {
            patient.restriction.careTeam = try await database.withTenant(principal.tenantID, userID: principal.userID) {
                try await $0.careTeam.members(of: id)
            }
        }
        return patient
    }

    func update(_ id: UUID, _ changes: PatientChanges, by principal: Principal) async throws -> Patient {
        let problems = PatientValidation.problems(
            of: (
                changes.mrn, changes.givenName, changes.familyName, changes.birthDate, changes.phone, changes.email,
                changes.address
            ))
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        let action: AuditAction = changes.restricted != nil && !changes.changesDetails ? .patientRestrict : .patientUpdate
        return try await RefusalAudit(database: database).auditing(entry(principal, action, patient: id), by: principal) {
            try PatientRestriction.check(
                role: principal.role, restricted: changes.restricted, reason: changes.restrictionReason,
                changesOtherFields: changes.changesDetails)
            return try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                guard var patient = try await tx.patients.update(id: id, changes) else { throw DomainError.notFound }
                if changes.changesDetails { try await tx.auditEvents.record(entry(principal, .patientUpdate, patient: id)) }
                if let restricted = changes.restricted {
                    // Restricting or releasing, with the reason kept on the record, not in the log.
                    try await tx.auditEvents.record(
                        entry(principal, .patientRestrict, patient: id), detail: ["restricted": String(restricted)])
                }
                if patient.restriction.restricted {
                    patient.restriction.chartOpen = try await tx.patients.chartOpen(id)
                    patient.restriction.careTeam = try await tx.careTeam.members(of: id)
                }
                return patient
            }
        }
    }

    private func entry(_ principal: Principal, _ action: AuditAction, patient: UUID?) -> AuditEntry {
        AuditEntry(principal, action, entityType: "patient", entityID: patient, patientID: patient)
    }
}
