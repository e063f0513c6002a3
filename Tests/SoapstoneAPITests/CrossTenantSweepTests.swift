import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

/// For every operation of the OpenAPI document with an id in its path: tenant A's caller, given
/// tenant B's id, gets exactly the answer a random UUID gets, and B's rows stay as they were.
@Suite("Cross-tenant sweep")
struct CrossTenantSweepTests {
    /// What kind of record a path's {id} names, found by the path's first segment.
    static func kind(of path: String) -> String? {
        let segments = path.split(separator: "/")
        guard segments.count >= 3, segments[2] == "{id}" else { return nil }
        return [
            "users": "users", "patients": "patients", "encounters": "encounters", "notes": "notes",
        ][String(segments[1])]
    }

    /// A request body that passes validation, so the answer depends on the id alone.
    static var bodies: [String: [String: Any]] {
        [
            "updateUser": ["name": "Renamed"],
            "updatePatient": ["phone": "+1 555 0111"],
            "createEncounter": ["type": "phone"],
            "updateEncounter": ["status": "entered_in_error", "status_reason": "Probe"],
            "createNote": ["subjective": "s", "objective": "o", "assessment": "a", "plan": "p"],
            "saveNote": ["subjective": "s", "objective": "o", "assessment": "a", "plan": "p"],
            "amendNote": ["reason": "r", "subjective": "s", "objective": "o", "assessment": "a", "plan": "p"],
            "markNoteEnteredInError": ["reason": "r"],
            "addCareTeamMember": ["user_id": "00000000-0000-4000-8000-000000000000"],
        ]
    }

    static func operations() throws -> [ContractTests.Operation] {
        try ContractTests.operations().filter { $0.path.contains("{id}") && kind(of: $0.path) != nil }
    }

    @Test("Tenant B's id answers like a random UUID, and B's rows are unchanged", arguments: try operations())
    func otherTenantsIDIsUnknown(operation: ContractTests.Operation) async throws {
        let app = try await TestApp.make()
        let table = try #require(Self.kind(of: operation.path))
        let lakeview = "(SELECT id FROM tenants WHERE slug = 'lakeview')"
        let foreign = try await app.db.value("SELECT id::text FROM \(table) WHERE tenant_id = \(lakeview) ORDER BY id LIMIT 1")
        let fingerprint = """
            SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
                SELECT p::text AS t FROM patients p WHERE tenant_id = \(lakeview)
                UNION ALL SELECT e::text FROM encounters e WHERE tenant_id = \(lakeview)
                UNION ALL SELECT n::text FROM notes n WHERE tenant_id = \(lakeview)
                UNION ALL SELECT v::text FROM note_versions v WHERE tenant_id = \(lakeview)
                UNION ALL SELECT u::text FROM users u WHERE tenant_id = \(lakeview)) rows
            """
        let before = try await app.db.strings(fingerprint)
        // A role the table admits, so the answer is about the id, not the role.
        let local: String =
            switch AccessPolicy.requirement(for: operation.id) {
            case .roles(let roles) where roles.contains(.physician): "physician"
            case .roles(let roles) where roles.contains(.admin): "admin"
            default: "physician"
            }
        try await app.run { client in
            let token = try await client.token(local)
            let method = HTTPRequest.Method(operation.method.uppercased())!
            let body = operation.method == "get" ? nil : (Self.bodies[operation.id] ?? [:])
            func call(_ id: String) async throws -> Answer {
                try await client.call(
                    method, operation.path(id: id),
                    json: body, token: token, headers: [.ifMatch: "\"1\""])
            }
            let theirs = try await call(foreign)
            let random = try await call(UUID().uuidString.lowercased())
            #expect(theirs.status == random.status, "\(operation.id): \(theirs.status) vs \(random.status)")
            #expect(theirs.body == random.body, "\(operation.id)")
            #expect(theirs.status == .notFound, "\(operation.id)")
        }
        #expect(try await app.db.strings(fingerprint) == before, "\(operation.id) changed tenant B's rows")
    }
}
