import Foundation
import PostgresNIO
import SoapstoneCore

/// Notes and their versions. Every change of content is a new `note_versions` row; the note
/// row only points at its current version, and moves only from the version the caller saw.
public struct NoteRepository {
    let tx: TenantTransaction

    /// A new draft at version 1, with the encounter's patient.
    public func createDraft(id: UUID = UUID(), encounterID: UUID, authorID: UUID, content: NoteContent) async throws -> Note {
        let inserted = try await tx.execute(
            """
            INSERT INTO notes (id, tenant_id, encounter_id, patient_id, status, current_version, author_id)
            SELECT \(id), tenant_id, id, patient_id, 'draft', 1, \(authorID) FROM encounters WHERE id = \(encounterID)
            """)
        guard inserted == 1 else { throw DomainError.notFound }
        try await insertVersion(noteID: id, version: 1, authorID: authorID, content: content, reason: nil)
        return try await require(id)
    }

    /// Saves `content` as the next version of a draft last seen at `expectedVersion`.
    public func saveDraft(id: UUID, expectedVersion: Int, authorID: UUID, content: NoteContent) async throws -> Note {
        let version = try await advance(
            id: id, expectedVersion: expectedVersion, allowedStatuses: [.draft], newStatus: .draft)
        try await insertVersion(noteID: id, version: version, authorID: authorID, content: content, reason: nil)
        return try await require(id)
    }

    /// Freezes a draft at its current version, recording the signer and that version's hash.
    public func sign(id: UUID, expectedVersion: Int, signerID: UUID) async throws -> Note {
        let signed = try await tx.execute(
            """
            UPDATE notes n
               SET status = 'signed', signed_by = \(signerID), signed_at = now(), signed_version = n.current_version,
                   signed_sha256 = v.sha256
              FROM note_versions v
             WHERE n.id = \(id) AND n.status = 'draft' AND n.current_version = \(expectedVersion)
               AND v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version
            """)
        if signed == 0 { try await explainRefusal(id: id, expectedVersion: expectedVersion, allowedStatuses: [.draft]) }
        return try await require(id)
    }

    /// Adds a version to a signed (or already amended) note, with the reason for the change.
    public func amend(id: UUID, expectedVersion: Int, authorID: UUID, content: NoteContent, reason: String) async throws -> Note {
        let version = try await advance(
            id: id, expectedVersion: expectedVersion, allowedStatuses: [.signed, .amended], newStatus: .amended)
        try await insertVersion(noteID: id, version: version, authorID: authorID, content: content, reason: reason)
        return try await require(id)
    }

    /// Marks a note entered in error, from `expectedVersion` when given; answers the note.
    public func markEnteredInError(id: UUID, reason: String, expectedVersion: Int?, allowedStatuses: [NoteStatus]) async throws
        -> Note
    {
        let changed = try await tx.execute(
            """
            UPDATE notes SET status = 'entered_in_error', entered_in_error_reason = \(reason)
             WHERE id = \(id) AND status = ANY(\(allowedStatuses.map(\.rawValue)))
               AND (\(expectedVersion)::int IS NULL OR current_version = \(expectedVersion))
            """)
        if changed == 0 {
            try await explainRefusal(id: id, expectedVersion: expectedVersion, allowedStatuses: allowedStatuses)
        }
        return try await require(id)
    }

    /// The notes of an encounter, oldest first, in one query.
    public func list(encounterID: UUID) async throws -> [Note] {
        try await notes(
            tx.query(
                """
                SELECT \(unescaped: Self.noteColumns) FROM api_notes WHERE encounter_id = \(encounterID) ORDER BY created_at, id
                """))
    }

    public func find(id: UUID) async throws -> Note? {
        try await notes(tx.query("SELECT \(unescaped: Self.noteColumns) FROM api_notes WHERE id = \(id)")).first
    }

    public func versions(of id: UUID) async throws -> [NoteVersion] {
        try await versions(
            tx.query("SELECT \(unescaped: Self.versionColumns) FROM api_note_versions WHERE note_id = \(id) ORDER BY version"))
    }

    public func version(_ number: Int, of id: UUID) async throws -> NoteVersion? {
        try await versions(
            tx.query(
                "SELECT \(unescaped: Self.versionColumns) FROM api_note_versions WHERE note_id = \(id) AND version = \(number)")
        ).first
    }

    static let noteColumns = """
        id, encounter_id, patient_id, status, version, subjective, objective, assessment, plan, author_id,
        signed_by, signed_at, signed_version, signed_sha256
        """

    static let versionColumns = "note_id, version, subjective, objective, assessment, plan, author_id, reason, created_at, sha256"

    private func notes(_ rows: PostgresRowSequence) async throws -> [Note] {
        var notes: [Note] = []
        for try await row in rows.decode(
            (UUID, UUID, UUID, String, Int, String, String, String, String, UUID, UUID?, Date?, Int?, String?).self)
        {
            var signature: Signature?
            if let by = row.10, let at = row.11, let version = row.12, let sha = row.13 {
                signature = Signature(signedBy: by, signedAt: at, version: version, sha256: sha)
            }
            notes.append(
                Note(
                    id: row.0, encounterID: row.1, patientID: row.2, status: NoteStatus(rawValue: row.3) ?? .draft,
                    version: row.4,
                    content: NoteContent(subjective: row.5, objective: row.6, assessment: row.7, plan: row.8), authorID: row.9,
                    signature: signature))
        }
        return notes
    }

    private func versions(_ rows: PostgresRowSequence) async throws -> [NoteVersion] {
        var versions: [NoteVersion] = []
        for try await row in rows.decode((UUID, Int, String, String, String, String, UUID, String?, Date, String).self) {
            versions.append(
                NoteVersion(
                    noteID: row.0, version: row.1,
                    content: NoteContent(subjective: row.2, objective: row.3, assessment: row.4, plan: row.5),
                    authorID: row.6, reason: row.7, createdAt: row.8, sha256: row.9))
        }
        return versions
    }

    // MARK: -

    /// Moves the note from `expectedVersion` to the next one in one conditional UPDATE, so of
    /// two concurrent saves from the same version exactly one wins.
    private func advance(
        id: UUID, expectedVersion: Int, allowedStatuses: [NoteStatus], newStatus: NoteStatus
    ) async throws -> Int {
        let rows = try await tx.query(
            """
            UPDATE notes SET current_version = current_version + 1, status = \(newStatus.rawValue)
             WHERE id = \(id) AND current_version = \(expectedVersion) AND status = ANY(\(allowedStatuses.map(\.rawValue)))
            RETURNING current_version
            """)
        for try await version in rows.decode(Int.self) { return version }
        try await explainRefusal(id: id, expectedVersion: expectedVersion, allowedStatuses: allowedStatuses)
        throw DomainError.notFound
    }

    private func explainRefusal(id: UUID, expectedVersion: Int?, allowedStatuses: [NoteStatus]) async throws -> Never {
        let rows = try await tx.query("SELECT status, current_version FROM notes WHERE id = \(id)")
        for try await (status, version) in rows.decode((String, Int).self) {
            if let expectedVersion, version != expectedVersion { throw DomainError.staleVersion(current: version) }
            throw DomainError.conflict(
                "the note is \(status); this needs it to be \(allowedStatuses.map(\.rawValue).joined(separator: " or "))")
        }
        throw DomainError.notFound
    }

    /// The database stamps sha256 and created_at (trigger `note_versions_stamp`).
    private func insertVersion(noteID: UUID, version: Int, authorID: UUID, content: NoteContent, reason: String?) async throws {
        try await tx.query(
            """
            INSERT INTO note_versions (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason)
            VALUES (\(tx.tenantID), \(noteID), \(version), \(content.subjective), \(content.objective), \(content.assessment),
                    \(content.plan), \(authorID), \(reason))
            """)
    }

    func require(_ id: UUID) async throws -> Note {
        guard let note = try await find(id: id) else { throw DomainError.notFound }
        return note
    }
}

extension TenantTransaction {
    public var notes: NoteRepository { NoteRepository(tx: self) }
}
