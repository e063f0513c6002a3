import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

/// The role matrix: docs/design.md's table written out for every protected operation of the OpenAPI
/// document, and checked against the running server, every operation x every role. A role the
/// table leaves out gets 403; a role it names never does (whatever else its request, with a
/// random id and an empty body, earns). Written out by hand, not read from `AccessPolicy`: a
/// test that took its expectations from the code it checks could not fail.
@Suite("Role matrix")
struct RoleMatrixTests {
    static let accounts: [(local: String, role: Role)] = [
        ("admin", .admin), ("physician", .physician), ("nurse", .nurse), ("frontdesk", .frontDesk), ("auditor", .auditor),
    ]

    static let everyone = Set(Role.allCases)
    static let readPatients: Set<Role> = [.admin, .physician, .nurse, .frontDesk]
    static let writePatients: Set<Role> = [.physician, .nurse, .frontDesk]
    static let notes: Set<Role> = [.physician, .nurse]

    /// Who may call each protected operation (docs/design.md, "Application roles").
    static let expected: [String: Set<Role>] = [
        "getMe": everyone, "listStaff": everyone,
        "listUsers": [.admin], "createUser": [.admin], "getUser": [.admin], "updateUser": [.admin],
        "listPatients": readPatients, "getPatient": readPatients,
        // The auditor finds a patient to name in an audit question (summaries only), nothing more.
        "searchPatients": readPatients.union([.auditor]),
        "createPatient": writePatients,
        // Admins restrict or release a patient's record, and change nothing else of it.
        "updatePatient": writePatients.union([.admin]),
        // Whom to ask about a restricted record; who treats it is chosen by those who restrict.
        "listCareTeam": readPatients, "addCareTeamMember": [.admin, .physician], "removeCareTeamMember": [.admin, .physician],
        "listEncounters": readPatients, "getEncounter": readPatients,
        "createEncounter": writePatients, "updateEncounter": writePatients,
        "listNotes": notes, "listDraftNotes": notes, "getNote": notes, "createNote": notes, "saveNote": notes,
        "listNoteVersions": notes, "getNoteVersion": notes, "markNoteEnteredInError": notes,
        "signNote": [.physician], "amendNote": [.physician],
        "listAuditEvents": [.admin, .auditor], "verifyAuditChain": [.admin, .auditor],
        "getPatientAccessReport": [.admin, .auditor],
    ]

    @Test("The table names every protected operation of the document, and nothing else")
    func tableIsComplete() throws {
        #expect(Set(Self.expected.keys) == Set(try ContractTests.operations().filter { !$0.isPublic }.map(\.id)))
    }

    @Test(
        "Every protected operation answers 403 exactly to the roles docs/design.md's table leaves out",
        arguments: try ContractTests.operations().filter { !$0.isPublic })
    func everyOperationEveryRole(operation: ContractTests.Operation) async throws {
        let app = try await TestApp.make()
        let allowed = Self.expected[operation.id] ?? []
        try await app.run { client in
            for account in Self.accounts {
                let token = try await client.token(account.local)
                let path = operation.path(id: UUID().uuidString)
                let answer = try await client.call(
                    HTTPRequest.Method(operation.method.uppercased())!, path, json: operation.method == "get" ? nil : [:],
                    token: token)
                if allowed.contains(account.role) {
                    // Past the role check, the operation itself answers: a success, or a client
                    // error about the request (an id of nothing, an empty body), never 401, 403
                    // or a fault of ours.
                    let code = answer.status.code
                    #expect(
                        (200..<500).contains(code) && code != 401 && code != 403,
                        "\(account.local) → \(operation.id): \(answer.status)")
                } else {
                    #expect(answer.status == .forbidden, "\(account.local) → \(operation.id): \(answer.status)")
                }
            }
        }
    }

    @Test("An operation the access table does not list is refused to everyone")
    func unlistedRefused() {
        #expect(AccessPolicy.requirement(for: "noSuchOperation") == .roles([]))
    }
}
