import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// SOAP notes: drafts saved as versions under optimistic concurrency (If-Match), signed by
/// physicians, amended with a reason, marked entered in error; every read and write audited in
/// the same transaction. The database enforces the same lifecycle for any client.
struct NoteService: Sendable {
    let database: Database

    func list(encounter encounterID: UUID, limit: Int, after: RowCursor?, by principal: Principal) async throws
        -> Page<Note, RowCursor>
    {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let encounter = try await tx.encounters.find(id: encounterID) else { throw DomainError.notFound }
            let page = try await tx.notes.list(encounterID: encounterID, limit: limit, after: after)
            try await tx.auditEvents.record(
                entry(principal, .noteList, note: nil, patient: encounter.patientID),
                detail: ["encounter_id": encounterID.uuidString.lowercased(), "count": String(page.items.count)])
            return page
        }
    }

    /// The organisation's drafts waiting for a signature, the longest unchanged first.
    func drafts(limit: Int, after: DraftCursor?, by principal: Principal) async throws -> (
        drafts: [Draft], next: DraftCursor?
    ) {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            let page = try await tx.notes.drafts(limit: limit, after: after)
            // A list naming patients, so read like any other: one event about no single patient,
            // keeping the patients it named.
            try await tx.auditEvents.record(
                AuditEntry(principal, .noteList, entityType: "note", entityID: nil, patientID: nil),
                detail: ["status": "draft", "count": String(page.drafts.count)], shown: page.drafts.map(\.patientID))
            return page
        }
    }

    func create(
        encounter encounterID: UUID, content: NoteContent, by principal: Principal, idempotency: IdempotencyRequest? = nil
    ) async throws -> Note {
        try Self.require(content)
        // A note refused by its encounter's state is audited as refused, like any such write.
        let refused = entry(principal, .noteCreate, note: nil, patient: nil)
        return try await RefusalAudit(database: database).auditing(refused, by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                try await tx.idempotencyKeys.once(
                    idempotency, userID: principal.userID, id: \.id,
                    replay: { id in
                        // The note as it is now goes out again: a read, and audited as one.
                        guard let note = try await tx.notes.find(id: id) else { return nil }
                        try await tx.auditEvents.record(
                            entry(principal, .noteRead, note: id, patient: note.patientID),
                            detail: ["idempotent_replay": "true"])
                        return note
                    },
                    create: {
                        // Locked: a note is not added while the encounter is being voided.
                        guard let encounter = try await tx.encounters.findForUpdate(id: encounterID) else {
                            throw DomainError.notFound
                        }
                        if let refusal = EncounterLifecycle.newNoteRefusal(encounter.status) { throw refusal }
                        let note = try await tx.notes.createDraft(
                            encounterID: encounterID, authorID: principal.userID, content: content)
                        try await tx.auditEvents.record(entry(principal, .noteCreate, note: note.id, patient: note.patientID))
                        return note
                    })
            }
        }
    }

    func find(_ id: UUID, by principal: Principal) async throws -> Note {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let note = try await tx.notes.find(id: id) else { throw DomainError.notFound }
            try await tx.auditEvents.record(entry(principal, .noteRead, note: id, patient: note.patientID))
            return note
        }
    }

    /// `unresolvedConflict`: the writer's side of a merge still open, saved so before their
    /// session ends (`NoteVersion.unresolvedConflict`).
    func save(
        _ id: UUID, expected: VersionPrecondition, content: NoteContent, unresolvedConflict: Bool, by principal: Principal
    ) async throws -> Note {
        try await advance(
            id, .save, audited: .noteUpdate, expected: expected, content: content, reason: nil,
            unresolvedConflict: unresolvedConflict, by: principal)
    }

    func sign(_ id: UUID, expected: VersionPrecondition, by principal: Principal) async throws -> Note {
        try await change(id, .noteSign, by: principal) { tx in
            try await tx.notes.sign(id: id, expected: expected, signerID: principal.userID)
        }
    }

    func amend(_ id: UUID, expected: VersionPrecondition, content: NoteContent, reason: String, by principal: Principal)
        async throws -> Note
    {
        try await advance(
            id, .amend, audited: .noteAmend, expected: expected, content: content, reason: reason, unresolvedConflict: false,
            by: principal)
    }

    func markEnteredInError(_ id: UUID, expected: VersionPrecondition, reason: String, by principal: Principal) async throws
        -> Note
    {
        let allowed = NoteLifecycle.statuses(.markEnteredInError, by: principal.role)
        return try await change(id, .noteEnteredInError, by: principal) { tx in
            try await tx.notes.markEnteredInError(
                id: id, reason: reason, by: principal.userID, expected: expected, allowedStatuses: allowed)
        }
    }

    func versions(of id: UUID, limit: Int, after: VersionCursor?, by principal: Principal) async throws
        -> Page<NoteVersionSummary, VersionCursor>
    {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let note = try await tx.notes.find(id: id) else { throw DomainError.notFound }
            let page = try await tx.notes.versions(of: id, limit: limit, after: after)
            try await tx.auditEvents.record(entry(principal, .noteVersions, note: id, patient: note.patientID))
            return page
        }
    }

    func version(_ number: Int, of id: UUID, by principal: Principal) async throws -> NoteVersion {
        try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
            guard let note = try await tx.notes.find(id: id), let version = try await tx.notes.version(number, of: id) else {
                throw DomainError.notFound
            }
            try await tx.auditEvents.record(
                entry(principal, .noteVersionRead, note: id, patient: note.patientID), detail: ["version": String(number)])
            return version
        }
    }

    /// A draft's save or an amendment: a new version from the one `expected` names, as one
    /// statement (`Database.advanceNote`), which audits it made or refused.
    private func advance(
        _ id: UUID, _ change: NoteLifecycle.Action, audited action: AuditAction, expected: VersionPrecondition,
        content: NoteContent, reason: String?, unresolvedConflict: Bool, by principal: Principal
    ) async throws -> Note {
        try Self.require(content)
        return try await database.advanceNote(
            id, tenantID: principal.tenantID, expected: expected, rule: NoteLifecycle.rule(change), content: content,
            authorID: principal.userID, reason: reason, unresolvedConflict: unresolvedConflict,
            audit: entry(principal, action, note: id, patient: nil))
    }

    /// A change and its audit event, in one transaction; a refused one audited as such.
    private func change(
        _ id: UUID, _ action: AuditAction, by principal: Principal, _ work: @escaping (TenantTransaction) async throws -> Note
    ) async throws -> Note {
        try await RefusalAudit(database: database).auditing(entry(principal, action, note: id, patient: nil), by: principal) {
            try await database.withTenant(principal.tenantID, userID: principal.userID) { tx in
                let note = try await work(tx)
                try await tx.auditEvents.record(
                    entry(principal, action, note: id, patient: note.patientID), detail: ["version": String(note.version)])
                return note
            }
        }
    }

    private static func require(_ content: NoteContent) throws {
        let problems = Validation.noteContent(content)
        guard problems.isEmpty else { throw DomainError.validation(problems) }
    }

    private func entry(_ principal: Principal, _ action: AuditAction, note: UUID?, patient: UUID?) -> AuditEntry {
        AuditEntry(principal, action, entityType: "note", entityID: note, patientID: patient)
    }
}
