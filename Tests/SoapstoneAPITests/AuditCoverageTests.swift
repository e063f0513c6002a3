import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SoapstoneCore
import SoapstoneTestSupport
import Testing

/// Issue 31, item 5: for every protected operation of the OpenAPI document, the events a
/// success writes, exactly, and the one event a refusal to a role writes. A new operation
/// without a line here fails the first test.
@Suite("Audit coverage")
struct AuditCoverageTests {
    /// An event a success must write: its action, whether it names one patient, and whether it
    /// keeps the patients a list showed (detail.patient_ids).
    struct Written: Equatable, CustomStringConvertible {
        let action: AuditAction
        var aboutPatient = false
        var listsPatients = false
        var description: String { "\(action.rawValue)\(aboutPatient ? " about a patient" : "")\(listsPatients ? " listing patients" : "")" }
    }

    /// The seeded records a request names.
    struct Seeded: Sendable {
        let patient, encounter, draft, signed, nurse: String
        /// The seed's restricted patient (NS-1006) and the physician on its care team.
        let restricted, physician: String
        let draftVersion, signedVersion: Int

        static func of(_ app: TestApp) async throws -> Seeded {
            let northside = "(SELECT id FROM tenants WHERE slug = 'northside')"
            let draft = try await app.db.value(
                "SELECT id || ' ' || current_version FROM notes WHERE tenant_id = \(northside) AND status = 'draft' ORDER BY id LIMIT 1"
            ).split(separator: " ")
            let signed = try await app.db.value(
                "SELECT id || ' ' || current_version FROM notes WHERE tenant_id = \(northside) AND status = 'signed' ORDER BY id LIMIT 1"
            ).split(separator: " ")
            return Seeded(
                patient: try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1001'"),
                encounter: try await NoteTests.encounterID(app), draft: String(draft[0]), signed: String(signed[0]),
                nurse: try await app.db.value("SELECT id::text FROM users WHERE email = 'nurse@northside.example'"),
                restricted: try await app.db.value("SELECT id::text FROM patients WHERE mrn = 'NS-1006'"),
                physician: try await app.db.value("SELECT id::text FROM users WHERE email = 'physician@northside.example'"),
                draftVersion: Int(draft[1])!, signedVersion: Int(signed[1])!)
        }
    }

    /// How to call an operation successfully: as whom, on which record, with what.
    struct Recipe: Sendable {
        let account: String
        let id: @Sendable (Seeded) -> String
        var body: @Sendable (Seeded) -> [String: Any]? = { _ in nil }
        var ifMatch: (@Sendable (Seeded) -> Int)? = nil
        /// A care team member's id, for the paths that name one beside the patient.
        var userID: (@Sendable (Seeded) -> String)? = nil
        let writes: [Written]
    }

    static let recipes: [String: Recipe] = [
        "getMe": Recipe(account: "physician", id: { _ in "" }, writes: []),
        "listStaff": Recipe(account: "physician", id: { _ in "" }, writes: []),
        "listUsers": Recipe(account: "admin", id: { _ in "" }, writes: []),
        "getUser": Recipe(account: "admin", id: { $0.nurse }, writes: []),
        "createUser": Recipe(
            account: "admin", id: { _ in "" },
            body: { _ in ["email": "cover@northside.example", "name": "Cover Age", "password": "a fine long password", "role": "nurse"] },
            writes: [Written(action: .userCreate)]),
        "updateUser": Recipe(account: "admin", id: { $0.nurse }, body: { _ in ["name": "Riley Renamed"] }, writes: [Written(action: .userUpdate)]),
        "listPatients": Recipe(
            account: "physician", id: { _ in "" }, writes: [Written(action: .patientList, listsPatients: true)]),
        "searchPatients": Recipe(
            account: "auditor", id: { _ in "" }, body: { _ in ["q": "NS-1001"] },
            writes: [Written(action: .patientList, listsPatients: true)]),
        "createPatient": Recipe(
            account: "frontdesk", id: { _ in "" }, body: { _ in PatientTests.newPatient() },
            writes: [Written(action: .patientCreate, aboutPatient: true)]),
        "getPatient": Recipe(account: "physician", id: { $0.patient }, writes: [Written(action: .patientRead, aboutPatient: true)]),
        "updatePatient": Recipe(
            account: "frontdesk", id: { $0.patient }, body: { _ in ["phone": "+47 555 0123"] },
            writes: [Written(action: .patientUpdate, aboutPatient: true)]),
        "listCareTeam": Recipe(account: "nurse", id: { $0.restricted }, writes: [Written(action: .careTeamRead, aboutPatient: true)]),
        "addCareTeamMember": Recipe(
            account: "admin", id: { $0.restricted }, body: { ["user_id": $0.nurse] },
            writes: [Written(action: .careTeamAdd, aboutPatient: true)]),
        "removeCareTeamMember": Recipe(
            account: "physician", id: { $0.restricted }, userID: { $0.physician },
            writes: [Written(action: .careTeamRemove, aboutPatient: true)]),
        "listEncounters": Recipe(account: "nurse", id: { $0.patient }, writes: [Written(action: .encounterList, aboutPatient: true)]),
        "createEncounter": Recipe(
            account: "nurse", id: { $0.patient }, body: { _ in ["type": "phone"] },
            writes: [Written(action: .encounterCreate, aboutPatient: true)]),
        "getPatientAccessReport": Recipe(
            account: "auditor", id: { $0.patient }, writes: [Written(action: .auditAccessReport, aboutPatient: true)]),
        "getEncounter": Recipe(account: "nurse", id: { $0.encounter }, writes: [Written(action: .encounterRead, aboutPatient: true)]),
        "updateEncounter": Recipe(
            account: "nurse", id: { $0.encounter }, body: { _ in ["status": "in_progress"] },
            writes: [Written(action: .encounterUpdate, aboutPatient: true)]),
        "listNotes": Recipe(account: "nurse", id: { $0.encounter }, writes: [Written(action: .noteList, aboutPatient: true)]),
        "createNote": Recipe(
            account: "nurse", id: { $0.encounter }, body: { _ in NoteTests.content("coverage") }, writes: [Written(action: .noteCreate, aboutPatient: true)]),
        "listDraftNotes": Recipe(account: "physician", id: { _ in "" }, writes: [Written(action: .noteList, listsPatients: true)]),
        "getNote": Recipe(account: "physician", id: { $0.draft }, writes: [Written(action: .noteRead, aboutPatient: true)]),
        "saveNote": Recipe(
            account: "nurse", id: { $0.draft }, body: { _ in NoteTests.content("coverage") }, ifMatch: { $0.draftVersion },
            writes: [Written(action: .noteUpdate, aboutPatient: true)]),
        "signNote": Recipe(
            account: "physician", id: { $0.draft }, ifMatch: { $0.draftVersion },
            writes: [Written(action: .noteSign, aboutPatient: true)]),
        "amendNote": Recipe(
            account: "physician", id: { $0.signed }, body: { _ in NoteTests.content("coverage").merging(["reason": "Corrected"]) { $1 } },
            writes: [Written(action: .noteAmend, aboutPatient: true)]),
        "markNoteEnteredInError": Recipe(
            account: "physician", id: { $0.draft }, body: { _ in ["reason": "Wrong chart"] },
            writes: [Written(action: .noteEnteredInError, aboutPatient: true)]),
        "listNoteVersions": Recipe(account: "physician", id: { $0.signed }, writes: [Written(action: .noteVersions, aboutPatient: true)]),
        "getNoteVersion": Recipe(
            account: "physician", id: { $0.signed }, writes: [Written(action: .noteVersionRead, aboutPatient: true)]),
        "listAuditEvents": Recipe(account: "auditor", id: { _ in "" }, writes: [Written(action: .auditRead, listsPatients: true)]),
        "verifyAuditChain": Recipe(account: "auditor", id: { _ in "" }, writes: [Written(action: .auditVerify)]),
    ]

    @Test("Every protected operation of the document has a line here")
    func everyOperationListed() throws {
        #expect(Set(Self.recipes.keys) == Set(try ContractTests.operations().filter { !$0.isPublic }.map(\.id)))
    }

    /// The events written by `call`, in the order written, each with its outcome, whether it
    /// names a patient and how many it lists.
    static func written(
        by call: () async throws -> Answer, in app: TestApp
    ) async throws -> (answer: Answer, events: [(action: String, outcome: String, patient: Bool, listed: Int, operation: String)]) {
        let before = Set(try await app.db.strings("SELECT id::text FROM audit_events").compactMap { $0 })
        let answer = try await call()
        let rows = try await app.db.strings(
            """
            SELECT id || ' ' || action || ' ' || outcome || ' ' || (patient_id IS NOT NULL) || ' '
                   || coalesce(jsonb_array_length(detail -> 'patient_ids'), -1) || ' ' || coalesce(detail ->> 'operation', '-')
              FROM audit_events ORDER BY occurred_at, id
            """)
        let events = rows.compactMap { $0?.split(separator: " ").map(String.init) }.filter { !before.contains($0[0]) }.map {
            (action: $0[1], outcome: $0[2], patient: $0[3] == "true", listed: Int($0[4])!, operation: $0[5])
        }
        return (answer, events)
    }

    @Test(
        "A success writes exactly its events, each naming its patient or the patients it listed",
        arguments: try ContractTests.operations().filter { !$0.isPublic })
    func successWritesItsEvents(operation: ContractTests.Operation) async throws {
        let recipe = try #require(Self.recipes[operation.id])
        let app = try await TestApp.make()
        let seeded = try await Seeded.of(app)
        try await app.run { client in
            let token = try await client.token(recipe.account)
            var headers: HTTPFields = [:]
            if let version = recipe.ifMatch?(seeded) { headers[.ifMatch] = "\"\(version)\"" }
            let (answer, events) = try await Self.written(
                by: {
                    try await client.call(
                        HTTPRequest.Method(operation.method.uppercased())!, operation.path(id: recipe.id(seeded), userID: recipe.userID?(seeded)),
                        json: recipe.body(seeded), token: token, headers: headers)
                }, in: app)
            #expect((200..<300).contains(answer.status.code), "\(operation.id): \(answer.status) \(answer.json)")
            #expect(events.map(\.action) == recipe.writes.map(\.action.rawValue), "\(operation.id) wrote \(events.map(\.action))")
            for (event, expected) in zip(events, recipe.writes) {
                #expect(event.outcome == "success")
                #expect(event.patient == expected.aboutPatient, "\(operation.id): \(expected)")
                #expect((event.listed > 0) == expected.listsPatients, "\(operation.id): \(expected), listed \(event.listed)")
            }
        }
    }

    @Test(
        "A role the table leaves out writes one denied event, naming the operation and the record's patient",
        arguments: try ContractTests.operations().filter { !$0.isPublic })
    func refusalWritesADeniedEvent(operation: ContractTests.Operation) async throws {
        let allowed = RoleMatrixTests.expected[operation.id] ?? []
        guard let refused = RoleMatrixTests.accounts.first(where: { !allowed.contains($0.role) }) else { return }
        let recipe = try #require(Self.recipes[operation.id])
        let app = try await TestApp.make()
        let seeded = try await Seeded.of(app)
        try await app.run { client in
            let token = try await client.token(refused.local)
            let path = operation.path(id: recipe.id(seeded), userID: recipe.userID?(seeded))
            let (answer, events) = try await Self.written(
                by: {
                    try await client.call(
                        HTTPRequest.Method(operation.method.uppercased())!, path, json: recipe.body(seeded), token: token)
                }, in: app)
            #expect(answer.status == .forbidden)
            #expect(events.count == 1, "\(events.map(\.action))")
            let event = try #require(events.first)
            #expect(event.action == AuditAction.accessDenied.rawValue && event.outcome == "denied")
            #expect(event.operation == operation.id)
            // A path under a patient, an encounter or a note names a patient of this clinic.
            let clinical = ["/v1/patients/{id}", "/v1/encounters/{id}", "/v1/notes/{id}"].contains { operation.path.hasPrefix($0) }
            #expect(event.patient == clinical, "\(operation.id) on \(path)")
        }
    }
}
