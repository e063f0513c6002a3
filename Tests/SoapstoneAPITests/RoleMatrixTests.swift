import Foundation
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneAPI

/// The role matrix, generated from the one table the server decides with (`AccessPolicy`) and
/// the OpenAPI document: every operation x every role. A role the table refuses gets 403; a
/// role it admits never does (whatever else its request, with a random id and an empty body,
/// earns).
@Suite("Role matrix")
struct RoleMatrixTests {
    static let accounts: [(local: String, role: Role)] = [
        ("admin", .admin), ("physician", .physician), ("nurse", .nurse), ("frontdesk", .frontDesk), ("auditor", .auditor),
    ]

    @Test(
        "Every protected operation answers 403 exactly to the roles AccessPolicy refuses",
        arguments: try ContractTests.operations().filter { !$0.isPublic })
    func everyOperationEveryRole(operation: ContractTests.Operation) async throws {
        let app = try await TestApp.make()
        let requirement = AccessPolicy.requirement(for: operation.id)
        try await app.run { client in
            for account in Self.accounts {
                let token = try await client.token(account.local)
                let path = operation.path(id: UUID().uuidString)
                let answer = try await client.call(
                    HTTPRequest.Method(operation.method.uppercased())!, path, json: operation.method == "get" ? nil : [:],
                    token: token)
                let admitted: Bool =
                    switch requirement {
                    case .open, .authenticated: true
                    case .roles(let roles): roles.contains(account.role)
                    }
                if admitted {
                    #expect(
                        answer.status != .forbidden && answer.status != .unauthorized,
                        "\(account.local) → \(operation.id): \(answer.status)")
                } else {
                    #expect(answer.status == .forbidden, "\(account.local) → \(operation.id): \(answer.status)")
                }
            }
        }
    }

    @Test("DESIGN.md's matrix: the auditor reaches no patient or encounter; the admin writes none")
    func designMatrix() {
        for id in ["listPatients", "getPatient", "listEncounters", "getEncounter"] {
            guard case .roles(let roles) = AccessPolicy.requirement(for: id) else {
                Issue.record("\(id) is not role-restricted")
                continue
            }
            #expect(roles == [.admin, .physician, .nurse, .frontDesk], "\(id)")
        }
        for id in ["createPatient", "updatePatient", "createEncounter", "updateEncounter"] {
            guard case .roles(let roles) = AccessPolicy.requirement(for: id) else {
                Issue.record("\(id) is not role-restricted")
                continue
            }
            #expect(roles == [.physician, .nurse, .frontDesk], "\(id)")
        }
        // The auditor finds a patient to name in an audit question, and reads nothing more of them.
        #expect(AccessPolicy.requirement(for: "searchPatients") == .roles([.admin, .physician, .nurse, .frontDesk, .auditor]))
        for id in ["listUsers", "createUser", "getUser", "updateUser"] {
            #expect(AccessPolicy.requirement(for: id) == .roles([.admin]), "\(id)")
        }
        #expect(AccessPolicy.requirement(for: "noSuchOperation") == .roles([]))
    }
}
