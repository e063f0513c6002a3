import Foundation
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase

/// Why a change of a note found nothing to change, as `NoteRepository.explainRefusal` says it.
@Suite("Note refusals")
struct NoteRepositoryTests {
    /// What `explainRefusal` throws for the note `id`, allowing `statuses` from `expected`.
    func refusal(of id: UUID, tenant: UUID, expected: VersionPrecondition, statuses: [NoteStatus]) async throws -> any Error {
        let db = try await CatalogFixture.database.value
        return try await db.withDatabase { database in
            do {
                try await database.withTenant(tenant, userID: nil) { tx in
                    try await tx.notes.explainRefusal(id: id, expected: expected, allowedStatuses: statuses)
                }
            } catch {
                return error
            }
        }
    }

    @Test("Gone, stale and the wrong status are the client's; a note that admits the change is a failure to retry")
    func explained() async throws {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let draft = try #require(
            UUID(uuidString: try await db.value("SELECT id::text FROM notes WHERE tenant_id = '\(a)' AND status = 'draft' LIMIT 1")))
        let version = try #require(Int(try await db.value("SELECT current_version::text FROM notes WHERE id = '\(draft)'")))

        let gone = try await refusal(of: UUID(), tenant: a, expected: .any, statuses: [.draft])
        #expect((gone as? DomainError) == .notFound)
        let stale = try await refusal(of: draft, tenant: a, expected: .oneOf([version + 1]), statuses: [.draft])
        #expect((stale as? DomainError) == .staleVersion(current: version))
        let wrongStatus = try await refusal(of: draft, tenant: a, expected: .oneOf([version]), statuses: [.signed])
        guard case .conflict = wrongStatus as? DomainError else {
            Issue.record("a draft refused for not being signed is a conflict, got \(wrongStatus)")
            return
        }
        // At the version and in a status the change accepts, yet the change found nothing: on
        // Citus the note's shard moved while the statement waited. Not the client's conflict.
        let unexplained = try await refusal(of: draft, tenant: a, expected: .oneOf([version]), statuses: [.draft])
        guard case .unavailable = unexplained as? DatabaseError else {
            Issue.record("a refusal the note does not explain is a failure to retry, got \(unexplained)")
            return
        }
    }
}
