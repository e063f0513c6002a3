import Foundation
import SoapstoneCore
import SoapstoneDatabase

extension APIHandler {
    func listEncounters(_ input: Operations.listEncounters.Input) async throws -> Operations.listEncounters.Output {
        let principal = try Principal.authenticated()
        let page = try await encounters.list(
            patient: try Self.id(input.path.id), limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(RowCursor.init(opaque:)), by: principal)
        let items = page.items.map { Components.Schemas.Encounter($0, for: principal.role) }
        return .ok(.init(body: .json(.init(items: items, next_cursor: page.next?.opaque))))
    }

    func createEncounter(_ input: Operations.createEncounter.Input) async throws -> Operations.createEncounter.Output {
        let patientID = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let encounter = try await encounters.create(
            patient: patientID, type: EncounterType(body._type),
            status: body.status.map(EncounterStatus.init) ?? .planned, startedAt: body.started_at,
            reason: body.reason, attendingUserID: try Self.userID(body.attending_user_id),
            by: try Principal.authenticated(),
            idempotency: try Self.idempotency(
                input.headers.Idempotency_hyphen_Key, "createEncounter", body, pathID: input.path.id))
        return .created(.init(body: .json(.init(encounter, for: try Principal.authenticated().role))))
    }

    func getEncounter(_ input: Operations.getEncounter.Input) async throws -> Operations.getEncounter.Output {
        let id = try Self.id(input.path.id)
        let principal = try Principal.authenticated()
        return .ok(.init(body: .json(.init(try await encounters.find(id, by: principal), for: principal.role))))
    }

    func updateEncounter(_ input: Operations.updateEncounter.Input) async throws -> Operations.updateEncounter.Output {
        let id = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let changes = EncounterChanges(
            type: body._type.map(EncounterType.init),
            status: body.status.map(EncounterStatus.init),
            startedAt: body.started_at, endedAt: body.ended_at, reason: body.reason,
            attendingUserID: try Self.userID(body.attending_user_id), statusReason: body.status_reason)
        let principal = try Principal.authenticated()
        return .ok(.init(body: .json(.init(try await encounters.update(id, changes, by: principal), for: principal.role))))
    }

    static func userID(_ text: String?) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw DomainError.validation([FieldError(field: "attending_user_id", message: "must be a user id (a UUID)")])
        }
        return id
    }
}

extension Components.Schemas.Encounter {
    /// The encounter as `role` sees it: with the statuses that role may move it to now.
    init(_ encounter: Encounter, for role: Role) {
        self.init(
            id: encounter.id.uuidString.lowercased(), patient_id: encounter.patientID.uuidString.lowercased(),
            _type: .init(encounter.type),
            status: .init(encounter.status), started_at: encounter.startedAt,
            ended_at: encounter.endedAt, reason: encounter.reason,
            attending_user_id: encounter.attendingUserID?.uuidString.lowercased(), status_reason: encounter.statusReason,
            draft_notes: encounter.draftNotes,
            transitions: Permissions.transitions(of: encounter, by: role).map(Components.Schemas.EncounterStatus.init),
            actions: Permissions.actions(on: encounter, by: role))
    }
}
