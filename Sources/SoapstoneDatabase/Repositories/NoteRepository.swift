import Foundation
import PostgresNIO
import SoapstoneCore

/// Notes and their versions. Every change of content is a new `note_versions` row; the note
/// row only points at its current version, and moves only from the version the caller saw.
public struct NoteRepository {
    let tx: TenantTransaction

    /// A new draft at version 1, with the encounter's patient: the note, its first version and
    /// the answer in one statement. The target is aliased (Citus plans `INSERT … SELECT …
    /// RETURNING` only so) and the encounter named with its tenant (one shard).
    public func createDraft(id: UUID = UUID(), encounterID: UUID, authorID: UUID, content: NoteContent) async throws -> Note {
        let written = try await notes(
            tx.query(
                Self.withNewVersion(
                    of: """
                        INSERT INTO notes AS n (id, tenant_id, encounter_id, patient_id, status, current_version, author_id)
                        SELECT \(id), e.tenant_id, e.id, e.patient_id, 'draft', 1, \(authorID) FROM encounters e
                         WHERE e.tenant_id = \(tx.tenantID) AND e.id = \(encounterID)
                        RETURNING *
                        """, content: content, authorID: authorID, reason: nil)))
        guard let note = written.first else { throw DomainError.notFound }
        return note
    }

    /// Freezes a draft at its current version, recording the signer and that version's hash.
    public func sign(id: UUID, expected: VersionPrecondition, signerID: UUID) async throws -> Note {
        let rule = NoteLifecycle.rule(.sign)
        let signed = try await notes(
            tx.query(
                """
                UPDATE notes n
                   SET status = \(rule.produces?.rawValue), signed_by = \(signerID), signed_at = now(), signed_version = n.current_version,
                       signed_sha256 = v.sha256
                  FROM note_versions v
                 WHERE n.tenant_id = \(tx.tenantID) AND n.id = \(id) AND n.status = ANY(\(rule.accepts.map(\.rawValue)))
                   AND (\(expected.versions)::int[] IS NULL OR n.current_version = ANY(\(expected.versions)::int[]))
                   AND v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version
                   AND NOT v.unresolved_conflict
                RETURNING \(unescaped: Self.noteFromRowAndVersion)
                """))
        if let note = signed.first { return note }
        try await explainRefusal(id: id, expected: expected, allowedStatuses: rule.accepts, refusingUnresolved: true)
    }

    /// Marks a note entered in error, from the version `expected` names and one of
    /// `allowedStatuses` (the marker's, `NoteLifecycle.statuses(.markEnteredInError, by:)`).
    public func markEnteredInError(
        id: UUID, reason: String, by markerID: UUID, expected: VersionPrecondition, allowedStatuses: [NoteStatus]
    ) async throws -> Note {
        let changed = try await notes(
            tx.query(
                """
                UPDATE notes n SET status = \(NoteLifecycle.rule(.markEnteredInError).produces?.rawValue),
                                   entered_in_error_reason = \(reason),
                                   entered_in_error_by = \(markerID), entered_in_error_at = now()
                  FROM note_versions v
                 WHERE n.tenant_id = \(tx.tenantID) AND n.id = \(id) AND n.status = ANY(\(allowedStatuses.map(\.rawValue)))
                   AND (\(expected.versions)::int[] IS NULL OR n.current_version = ANY(\(expected.versions)::int[]))
                   AND v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version
                RETURNING \(unescaped: Self.noteFromRowAndVersion)
                """))
        if let note = changed.first { return note }
        try await explainRefusal(id: id, expected: expected, allowedStatuses: allowedStatuses)
    }

    /// One page of an encounter's notes, oldest first, from the note after `after`.
    public func list(encounterID: UUID, limit: Int, after: RowCursor?) async throws -> Page<Note, RowCursor> {
        let fetched = try await notes(
            tx.query(
                """
                SELECT \(unescaped: Self.noteColumns) FROM api_notes
                 WHERE tenant_id = \(tx.tenantID) AND encounter_id = \(encounterID)
                   AND (\(after?.id)::uuid IS NULL
                        OR (created_at, id) > (SELECT created_at, id FROM api_notes
                                                WHERE tenant_id = \(tx.tenantID) AND id = \(after?.id)))
                 ORDER BY created_at, id
                 LIMIT \(limit + 1)
                """))
        return Page(fetched: fetched, limit: limit) { RowCursor(id: $0.id) }
    }

    /// One page of the organisation's drafts, the longest unchanged first, each with the
    /// patient it is about, from the event after `after`.
    public func drafts(limit: Int, after: DraftCursor?) async throws -> (drafts: [Draft], next: DraftCursor?) {
        let rows = try await tx.query(
            """
            SELECT n.id, n.encounter_id, n.patient_id, n.current_version, n.author_id, n.updated_at,
                   (extract(epoch FROM n.updated_at) * 1000000)::int8, p.mrn, p.family_name, p.given_name,
                   p.birth_date::text
              FROM notes n
              JOIN patients p ON p.tenant_id = n.tenant_id AND p.id = n.patient_id
             WHERE n.tenant_id = \(tx.tenantID) AND n.status = 'draft'
               AND (\(after?.microseconds)::int8 IS NULL
                    OR (n.updated_at, n.id) > (timestamptz 'epoch' + \(after?.microseconds) * interval '1 microsecond', \(after?.id)))
             ORDER BY n.updated_at, n.id
             LIMIT \(limit + 1)
            """)
        var page: [(Draft, DraftCursor)] = []
        for try await row in rows.decode((UUID, UUID, UUID, Int, UUID, Date, Int64, String, String, String, String).self) {
            let patient = PatientLabel(mrn: row.7, familyName: row.8, givenName: row.9, birthDate: row.10)
            page.append(
                (Draft(
                    id: row.0, encounterID: row.1, version: row.3, authorID: row.4, updatedAt: row.5, patientID: row.2,
                    patient: patient),
                 DraftCursor(microseconds: row.6, id: row.0)))
        }
        guard page.count > limit else { return (page.map(\.0), nil) }
        return (page.prefix(limit).map(\.0), page[limit - 1].1)
    }

    /// The statuses an encounter's notes are in.
    public func statuses(inEncounter encounterID: UUID) async throws -> Set<NoteStatus> {
        let rows = try await tx.query(
            "SELECT DISTINCT status FROM notes WHERE tenant_id = \(tx.tenantID) AND encounter_id = \(encounterID)")
        var statuses: Set<NoteStatus> = []
        for try await status in rows.decode(NoteStatus.self) { statuses.insert(status) }
        return statuses
    }

    public func find(id: UUID) async throws -> Note? {
        try await notes(tx.query("SELECT \(unescaped: Self.noteColumns) FROM api_notes WHERE tenant_id = \(tx.tenantID) AND id = \(id)")).first
    }

    /// One page of a note's versions, oldest first, without their sections.
    public func versions(of id: UUID, limit: Int, after: VersionCursor?) async throws -> Page<NoteVersionSummary, VersionCursor> {
        let rows = try await tx.query(
            """
            SELECT note_id, version, author_id, reason, created_at, sha256, unresolved_conflict FROM api_note_versions
             WHERE tenant_id = \(tx.tenantID) AND note_id = \(id) AND version > \(after?.version ?? 0)
             ORDER BY version
             LIMIT \(limit + 1)
            """)
        var summaries: [NoteVersionSummary] = []
        for try await row in rows.decode((UUID, Int, UUID, String?, Date, String, Bool).self) {
            summaries.append(
                NoteVersionSummary(
                    noteID: row.0, version: row.1, authorID: row.2, reason: row.3, createdAt: row.4, sha256: row.5,
                    unresolvedConflict: row.6))
        }
        return Page(fetched: summaries, limit: limit) { VersionCursor(version: $0.version) }
    }

    public func version(_ number: Int, of id: UUID) async throws -> NoteVersion? {
        try await versions(
            tx.query(
                "SELECT \(unescaped: Self.versionColumns) FROM api_note_versions WHERE tenant_id = \(tx.tenantID) AND note_id = \(id) AND version = \(number)")
        ).first
    }

    static let noteColumns = """
        id, encounter_id, patient_id, status, version, subjective, objective, assessment, plan, author_id,
        signed_by, signed_at, signed_version, signed_sha256, entered_in_error_reason, entered_in_error_by, entered_in_error_at,
        unresolved_conflict
        """

    /// `noteColumns` from a note row `n` and its current version `v`, where the view is not
    /// at hand (RETURNING of the statement that wrote them).
    static let noteFromRowAndVersion = """
        n.id, n.encounter_id, n.patient_id, n.status, n.current_version, v.subjective, v.objective, v.assessment, v.plan,
        n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256, n.entered_in_error_reason,
        n.entered_in_error_by, n.entered_in_error_at, v.unresolved_conflict
        """

    static let versionColumns =
        "note_id, version, subjective, objective, assessment, plan, author_id, reason, created_at, sha256, unresolved_conflict"

    private func notes(_ rows: PostgresRowSequence) async throws -> [Note] {
        var notes: [Note] = []
        for try await row in rows { notes.append(try Self.note(from: row)) }
        return notes
    }

    /// A note from a row in the shape of `noteColumns`.
    static func note(from row: PostgresRow) throws -> Note {
        let c = row.makeRandomAccess()
        var signature: Signature?
        if let by = try c[10].decode(UUID?.self), let at = try c[11].decode(Date?.self),
            let version = try c[12].decode(Int?.self), let sha = try c[13].decode(String?.self)
        {
            signature = Signature(signedBy: by, signedAt: at, version: version, sha256: sha)
        }
        let withdrawal = try c[14].decode(String?.self).map {
            EnteredInError(reason: $0, by: try c[15].decode(UUID?.self), at: try c[16].decode(Date?.self))
        }
        return Note(
            id: try c[0].decode(UUID.self), encounterID: try c[1].decode(UUID.self), patientID: try c[2].decode(UUID.self),
            status: try c[3].decode(NoteStatus.self), version: try c[4].decode(Int.self),
            content: NoteContent(
                subjective: try c[5].decode(String.self), objective: try c[6].decode(String.self),
                assessment: try c[7].decode(String.self), plan: try c[8].decode(String.self)),
            authorID: try c[9].decode(UUID.self), signature: signature, enteredInError: withdrawal,
            unresolvedConflict: try c[17].decode(Bool.self))
    }

    private func versions(_ rows: PostgresRowSequence) async throws -> [NoteVersion] {
        var versions: [NoteVersion] = []
        for try await row in rows.decode((UUID, Int, String, String, String, String, UUID, String?, Date, String, Bool).self) {
            versions.append(
                NoteVersion(
                    noteID: row.0, version: row.1,
                    content: NoteContent(subjective: row.2, objective: row.3, assessment: row.4, plan: row.5),
                    authorID: row.6, reason: row.7, createdAt: row.8, sha256: row.9, unresolvedConflict: row.10))
        }
        return versions
    }

    // MARK: -

    /// Why a change found no note to change: gone (or another tenant's), stale, or in a status
    /// the change does not accept. When none of these holds, the statement did not find the note
    /// where it is now: on Citus, its shard moved to another node while the statement waited
    /// (a split or move with block_writes; docs/scaling.md). Nothing was changed, and the same
    /// change again finds it: a failure to retry (503), never a conflict the client caused. A
    /// signature (`refusingUnresolved`) is also refused at a version saved with a conflict
    /// unresolved (`NoteLifecycle.signable`).
    private func explainRefusal(
        id: UUID, expected: VersionPrecondition, allowedStatuses: [NoteStatus], refusingUnresolved: Bool = false
    ) async throws -> Never {
        let rows = try await tx.query(
            """
            SELECT n.status, n.current_version, v.unresolved_conflict FROM notes n
              JOIN note_versions v ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version
             WHERE n.tenant_id = \(tx.tenantID) AND n.id = \(id)
            """)
        for try await (status, version, unresolved) in rows.decode((String, Int, Bool).self) {
            if !expected.admits(version) { throw DomainError.staleVersion(current: version) }
            if refusingUnresolved, unresolved, allowedStatuses.contains(where: { $0.rawValue == status }) {
                throw DomainError.conflict(
                    "version \(version) was saved with a conflict unresolved; save the note as it should read, then sign it")
            }
            if allowedStatuses.contains(where: { $0.rawValue == status }) {
                throw DatabaseError.unavailable("the note was not where the change looked for it; nothing was changed")
            }
            throw DomainError.conflict(
                "the note is \(status); this needs it to be \(allowedStatuses.map(\.rawValue).joined(separator: " or "))")
        }
        throw DomainError.notFound
    }

    /// One statement around `note`, an INSERT or UPDATE of a note row that RETURNING * at its new
    /// current version: it adds that version (the database stamps sha256 and created_at; the
    /// version trigger sees the note row as just written) and answers the note in the shape of
    /// `noteColumns`.
    private static func withNewVersion(of note: PostgresQuery, content: NoteContent, authorID: UUID, reason: String?)
        -> PostgresQuery
    {
        var query = note
        let first = query.binds.count + 1
        query.binds.append(content.subjective)
        query.binds.append(content.objective)
        query.binds.append(content.assessment)
        query.binds.append(content.plan)
        query.binds.append(authorID)
        query.binds.append(reason)
        let values = (first..<first + 6).map { "$\($0)" }.joined(separator: ", ")
        query.sql = """
            WITH note AS (\(note.sql)),
            version AS (
                INSERT INTO note_versions AS nv (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason)
                SELECT tenant_id, id, current_version, \(values) FROM note
                RETURNING *
            )
            SELECT \(noteFromRowAndVersion) FROM note n JOIN version v ON v.note_id = n.id
            """
        return query
    }
}

extension TenantTransaction {
    public var notes: NoteRepository { NoteRepository(tx: self) }
}

/// Where a page of drafts ends: the time and id of its last draft's last change.
public typealias DraftCursor = InstantCursor
