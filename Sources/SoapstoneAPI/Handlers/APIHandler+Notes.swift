import Foundation
import SoapstoneCore
import SoapstoneDatabase

extension APIHandler {
    func listNotes(_ input: Operations.listNotes.Input) async throws -> Operations.listNotes.Output {
        let principal = try Principal.authenticated()
        let page = try await notes.list(
            encounter: try Self.id(input.path.id), limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(RowCursor.init(opaque:)), by: principal)
        let items = page.items.map { Components.Schemas.Note($0, for: principal.role) }
        return .ok(.init(body: .json(.init(items: items, next_cursor: page.next?.opaque))))
    }

    func listDraftNotes(_ input: Operations.listDraftNotes.Input) async throws -> Operations.listDraftNotes.Output {
        let page = try await notes.drafts(
            limit: try PageLimit.drafts.resolve(input.query.limit), after: try input.query.cursor.map(DraftCursor.init(opaque:)),
            by: try Principal.authenticated())
        return .ok(.init(body: .json(.init(items: page.drafts.map(Components.Schemas.DraftNote.init), next_cursor: page.next?.opaque))))
    }

    func createNote(_ input: Operations.createNote.Input) async throws -> Operations.createNote.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let note = try await notes.create(
            encounter: try Self.id(input.path.id), content: NoteContent(body),
            by: try Principal.authenticated(),
            idempotency: try Self.idempotency(input.headers.Idempotency_hyphen_Key, "createNote", body, pathID: input.path.id))
        return .created(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func getNote(_ input: Operations.getNote.Input) async throws -> Operations.getNote.Output {
        let note = try await notes.find(try Self.id(input.path.id), by: try Principal.authenticated())
        return .ok(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func saveNote(_ input: Operations.saveNote.Input) async throws -> Operations.saveNote.Output {
        let id = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        guard let header = input.headers.If_hyphen_Match else { throw Problem.preconditionRequired }
        let note = try await notes.save(
            id, expected: VersionPrecondition(ifMatch: header),
            content: NoteContent(
                subjective: body.subjective, objective: body.objective, assessment: body.assessment, plan: body.plan),
            unresolvedConflict: body.unresolved_conflict ?? false, by: try Principal.authenticated())
        return .ok(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func signNote(_ input: Operations.signNote.Input) async throws -> Operations.signNote.Output {
        let note = try await notes.sign(
            try Self.id(input.path.id), expected: VersionPrecondition(ifMatch: input.headers.If_hyphen_Match),
            by: try Principal.authenticated())
        return .ok(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func amendNote(_ input: Operations.amendNote.Input) async throws -> Operations.amendNote.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let content = NoteContent(
            subjective: body.subjective, objective: body.objective, assessment: body.assessment, plan: body.plan)
        let note = try await notes.amend(
            try Self.id(input.path.id), expected: VersionPrecondition(ifMatch: input.headers.If_hyphen_Match),
            content: content,
            reason: try Self.reason(body.reason), by: try Principal.authenticated())
        return .ok(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func markNoteEnteredInError(_ input: Operations.markNoteEnteredInError.Input) async throws
        -> Operations.markNoteEnteredInError.Output
    {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let note = try await notes.markEnteredInError(
            try Self.id(input.path.id), expected: VersionPrecondition(ifMatch: input.headers.If_hyphen_Match),
            reason: try Self.reason(body.reason), by: try Principal.authenticated())
        return .ok(.init(headers: .init(ETag: note.etag), body: .json(.init(note, for: try Principal.authenticated().role))))
    }

    func listNoteVersions(_ input: Operations.listNoteVersions.Input) async throws -> Operations.listNoteVersions.Output {
        let page = try await notes.versions(
            of: try Self.id(input.path.id), limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(VersionCursor.init(opaque:)), by: try Principal.authenticated())
        return .ok(
            .init(
                body: .json(
                    .init(items: page.items.map(Components.Schemas.NoteVersionSummary.init), next_cursor: page.next?.opaque))))
    }

    func getNoteVersion(_ input: Operations.getNoteVersion.Input) async throws -> Operations.getNoteVersion.Output {
        guard input.path.n >= 1 else {
            throw DomainError.validation([FieldError(field: "n", message: "must be a version number, from 1")])
        }
        let version = try await notes.version(
            input.path.n, of: try Self.id(input.path.id), by: try Principal.authenticated())
        return .ok(.init(body: .json(.init(version))))
    }

    static func reason(_ text: String) throws -> String {
        let problems = Validation.text(text, field: "reason", maximum: 1000)
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        return text.trimmingCharacters(in: .whitespaces)
    }
}

extension Note {
    var etag: String { "\"\(version)\"" }
}

extension VersionPrecondition {
    /// If-Match as RFC 9110 section 13.1.1 reads it: absent or `*` is any version; otherwise a
    /// list of entity tags compared strongly with the note's `"<version>"`. A weak tag, or text
    /// that is no entity tag, matches no version, so the change answers 412, never 422.
    init(ifMatch header: String?) {
        guard let header, header.trimmingCharacters(in: .whitespaces) != "*" else {
            self = .any
            return
        }
        var versions: [Int] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "\"") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else { break }
            let isWeak = rest[..<open].hasSuffix("W/")
            let tag = rest[afterOpen..<close]
            if !isWeak, tag.first != "0", tag.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(tag) {
                versions.append(version)
            }
            rest = rest[rest.index(after: close)...]
        }
        self = .oneOf(versions)
    }
}

extension NoteContent {
    init(_ body: Components.Schemas.NoteContent) {
        self.init(subjective: body.subjective, objective: body.objective, assessment: body.assessment, plan: body.plan)
    }
}

extension Components.Schemas.Note {
    /// The note as `role` sees it: with what that role may do to it now.
    init(_ note: Note, for role: Role) {
        self.init(
            id: note.id.uuidString.lowercased(), encounter_id: note.encounterID.uuidString.lowercased(),
            patient_id: note.patientID.uuidString.lowercased(),
            status: .init(note.status),
            version: note.version, subjective: note.content.subjective, objective: note.content.objective,
            assessment: note.content.assessment, plan: note.content.plan, author_id: note.authorID.uuidString.lowercased(),
            signed_by: note.signature?.signedBy.uuidString.lowercased(), signed_at: note.signature?.signedAt,
            signed_version: note.signature?.version, signed_sha256: note.signature?.sha256,
            entered_in_error_reason: note.enteredInError?.reason,
            entered_in_error_by: note.enteredInError?.by?.uuidString.lowercased(), entered_in_error_at: note.enteredInError?.at,
            unresolved_conflict: note.unresolvedConflict, actions: Permissions.actions(on: note, by: role))
    }
}

extension Components.Schemas.NoteVersion {
    init(_ version: NoteVersion) {
        self.init(
            note_id: version.noteID.uuidString.lowercased(), version: version.version, subjective: version.content.subjective,
            objective: version.content.objective, assessment: version.content.assessment, plan: version.content.plan,
            author_id: version.authorID.uuidString.lowercased(), reason: version.reason, created_at: version.createdAt,
            sha256: version.sha256, unresolved_conflict: version.unresolvedConflict)
    }
}

extension Components.Schemas.NoteVersionSummary {
    init(_ version: NoteVersionSummary) {
        self.init(
            note_id: version.noteID.uuidString.lowercased(), version: version.version,
            author_id: version.authorID.uuidString.lowercased(), reason: version.reason, created_at: version.createdAt,
            sha256: version.sha256, unresolved_conflict: version.unresolvedConflict)
    }
}

extension Components.Schemas.DraftNote {
    init(_ draft: Draft) {
        self.init(
            id: draft.id.uuidString.lowercased(), encounter_id: draft.encounterID.uuidString.lowercased(),
            patient_id: draft.patientID.uuidString.lowercased(), patient_mrn: draft.patient.mrn,
            patient_family_name: draft.patient.familyName, patient_given_name: draft.patient.givenName,
            patient_birth_date: draft.patient.birthDate, version: draft.version,
            author_id: draft.authorID.uuidString.lowercased(), updated_at: draft.updatedAt)
    }
}
