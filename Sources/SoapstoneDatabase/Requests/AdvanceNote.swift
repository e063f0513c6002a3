import Foundation
import PostgresNIO
import SoapstoneCore

extension Database {
    /// A draft's save or an amendment (`rule`) as one statement, audited with `audit` (and
    /// `detail`) whether it is made or refused. A refusal says why in the same statement
    /// (migration 25): a stale version (412) or a status the change does not accept (409). A
    /// change that found its note neither stale nor in the wrong status did not find it where
    /// it is now (on Citus, its shard moved while the statement waited): it is made once more,
    /// which is safe because it is conditional on the version, and after a second miss it is a
    /// failure to retry (503), never a conflict the client caused. `unresolvedConflict` marks
    /// the new version as saved with its writer's merge still open (`NoteVersion`).
    public func advanceNote(
        _ id: UUID, tenantID: UUID, expected: VersionPrecondition, rule: NoteLifecycle.Rule, content: NoteContent,
        authorID: UUID, reason: String?, unresolvedConflict: Bool = false, audit: AuditEntry, detail: [String: String] = [:]
    ) async throws -> Note {
        let statement = AdvanceNote(
            tenantID: tenantID, id: id, expected: expected, rule: rule, content: content, authorID: authorID, reason: reason,
            unresolvedConflict: unresolvedConflict, audit: audit, detail: detail)
        for _ in 1...2 {
            switch try await call(statement).first {
            case .advanced(let note): return note
            case .stale(let current): throw DomainError.staleVersion(current: current)
            case .refused(let status):
                throw DomainError.conflict(
                    "the note is \(status); this needs it to be \(rule.accepts.map(\.rawValue).joined(separator: " or "))")
            case .missed: continue
            case nil: throw DomainError.notFound
            }
        }
        throw DatabaseError.unavailable("the note was not where the change looked for it; nothing was changed")
    }
}

/// What `soapstone_advance_note` did with a change.
enum NoteAdvance: Sendable {
    case advanced(Note)
    /// Another version is current: this one.
    case stale(current: Int)
    /// The note's status does not accept the change.
    case refused(status: String)
    /// Neither: the note was not where the statement looked (see `Database.advanceNote`).
    case missed
}

/// A draft's save or an amendment in one round trip (`soapstone_advance_note`, migrations 18,
/// 25 and 28), prepared once per connection: the note moves to its next version if it is still at
/// one of the versions If-Match named and in a status the lifecycle accepts, the version is
/// written and the change audited; otherwise one row says why, and a refusal is audited.
struct AdvanceNote: TenantCall {
    static let sql = """
        SELECT \(NoteRepository.noteColumns), outcome
          FROM soapstone_advance_note($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                                      \(PostgresBindings.auditEntryParameters(from: 14)))
        """
    static var bindingDataTypes: [PostgresDataType] {
        [.uuid, .uuid, .uuid, .text, .int4Array, .textArray, .text, .text, .text, .text, .uuid, .text, .bool]
            + PostgresBindings.auditEntryTypes
    }
    typealias Row = NoteAdvance

    let tenantID: UUID
    let id: UUID
    let expected: VersionPrecondition
    let rule: NoteLifecycle.Rule
    let content: NoteContent
    let authorID: UUID
    let reason: String?
    let unresolvedConflict: Bool
    let audit: AuditEntry
    let detail: [String: String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 23)
        bindings.append(tenantID)
        bindings.append(audit.userID)
        bindings.append(id)
        bindings.append(rule.produces?.rawValue)
        bindings.append(expected.versions?.map(Int32.init))
        bindings.append(rule.accepts.map(\.rawValue))
        bindings.append(content.subjective)
        bindings.append(content.objective)
        bindings.append(content.assessment)
        bindings.append(content.plan)
        bindings.append(authorID)
        bindings.append(reason)
        bindings.append(unresolvedConflict)
        try bindings.append(audit, detail: detail)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> NoteAdvance {
        let columns = row.makeRandomAccess()
        let outcome = try columns[columns.count - 1].decode(String.self)
        switch outcome {
        case "advanced": return .advanced(try NoteRepository.note(from: row))
        case "stale": return .stale(current: try columns[4].decode(Int.self))
        case "conflict": return .refused(status: try columns[3].decode(String.self))
        case "moved": return .missed
        default: throw DatabaseError.unreadable(column: "outcome", type: "NoteAdvance")
        }
    }
}
