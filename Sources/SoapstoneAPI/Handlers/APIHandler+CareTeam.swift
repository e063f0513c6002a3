import Foundation
import SoapstoneCore
import SoapstoneDatabase

extension APIHandler {
    func listCareTeam(_ input: Operations.listCareTeam.Input) async throws -> Operations.listCareTeam.Output {
        let page = try await careTeam.list(
            patient: try Self.id(input.path.id), limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(RowCursor.init(opaque:)), by: try Principal.authenticated())
        return .ok(
            .init(body: .json(.init(items: page.items.map(Components.Schemas.CareTeamMember.init), next_cursor: page.next?.opaque))))
    }

    func addCareTeamMember(_ input: Operations.addCareTeamMember.Input) async throws -> Operations.addCareTeamMember.Output {
        let patient = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        guard let userID = UUID(uuidString: body.user_id) else {
            throw DomainError.validation([FieldError(field: "user_id", message: "must be a user's id (a UUID)")])
        }
        let member = try await careTeam.add(userID, patient: patient, by: try Principal.authenticated())
        return .created(.init(body: .json(.init(member))))
    }

    func removeCareTeamMember(_ input: Operations.removeCareTeamMember.Input) async throws
        -> Operations.removeCareTeamMember.Output
    {
        let patient = try Self.id(input.path.id)
        let user = try Self.id(input.path.user_id)
        try await careTeam.remove(user, patient: patient, by: try Principal.authenticated())
        return .noContent(.init())
    }
}
