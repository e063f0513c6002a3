import Foundation
import SoapstoneCore
import SoapstoneDatabase

extension APIHandler {
    func listPatients(_ input: Operations.listPatients.Input) async throws -> Operations.listPatients.Output {
        let query = input.query
        return .ok(.init(body: .json(try await patientPage(q: query.q, active: query.active, limit: query.limit, cursor: query.cursor))))
    }

    func searchPatients(_ input: Operations.searchPatients.Input) async throws -> Operations.searchPatients.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        return .ok(.init(body: .json(try await patientPage(q: body.q, active: body.active, limit: body.limit, cursor: body.cursor))))
    }

    /// One page of the patient list, whichever way the search came (URL or body).
    private func patientPage(q: String?, active: Bool?, limit: Int?, cursor: String?) async throws
        -> Components.Schemas.PatientList
    {
        let limit = try PageLimit.patients.resolve(limit)
        let page = try await patients.search(
            PatientSearch(text: q, active: active, limit: limit, after: try cursor.map(PatientCursor.init(opaque:))),
            by: try Principal.authenticated())
        return .init(items: page.patients.map(Components.Schemas.PatientSummary.init), next_cursor: page.next?.opaque)
    }

    func createPatient(_ input: Operations.createPatient.Input) async throws -> Operations.createPatient.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let details = PatientDetails(
            mrn: body.mrn, givenName: body.given_name, familyName: body.family_name, birthDate: body.birth_date,
            sex: AdministrativeSex(body.sex), phone: body.phone, email: body.email,
            address: Address(body.address), active: body.active ?? true)
        let patient = try await patients.create(
            details, confirmedDistinct: body.confirmed_distinct ?? false, by: try Principal.authenticated(),
            idempotency: try Self.idempotency(input.headers.Idempotency_hyphen_Key, "createPatient", body))
        return .created(.init(body: .json(.init(patient, for: try Principal.authenticated().role))))
    }

    func getPatient(_ input: Operations.getPatient.Input) async throws -> Operations.getPatient.Output {
        let id = try Self.id(input.path.id)
        let principal = try Principal.authenticated()
        return .ok(.init(body: .json(.init(try await patients.find(id, by: principal), for: principal.role))))
    }

    func updatePatient(_ input: Operations.updatePatient.Input) async throws -> Operations.updatePatient.Output {
        let id = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let changes = PatientChanges(
            mrn: body.mrn, givenName: body.given_name, familyName: body.family_name, birthDate: body.birth_date,
            sex: body.sex.map(AdministrativeSex.init), phone: body.phone, email: body.email,
            address: body.address.map(Address.init), active: body.active, restricted: body.restricted,
            restrictionReason: body.restriction_reason)
        let principal = try Principal.authenticated()
        return .ok(.init(body: .json(.init(try await patients.update(id, changes, by: principal), for: principal.role))))
    }
}

extension APIHandler {
    /// The Idempotency-Key of a create, with what the request asked for: the operation, the
    /// path's id and the body, as JSON with sorted keys.
    static func idempotency(_ key: String?, _ operation: String, _ body: some Encodable, pathID: String = "") throws
        -> IdempotencyRequest?
    {
        guard let key else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return IdempotencyRequest(
            key: key, parts: [Data(operation.utf8), Data(pathID.lowercased().utf8), try encoder.encode(body)])
    }
}

extension Address {
    init(_ schema: Components.Schemas.Address?) {
        self.init(
            line: schema?.line, city: schema?.city, region: schema?.region, postalCode: schema?.postal_code,
            country: schema?.country)
    }
}

extension Components.Schemas.PatientSummary {
    init(_ patient: PatientSummary) {
        self.init(
            id: patient.id.uuidString.lowercased(), mrn: patient.mrn, given_name: patient.givenName,
            family_name: patient.familyName, birth_date: patient.birthDate,
            sex: .init(patient.sex), active: patient.active)
    }
}

extension Components.Schemas.Patient {
    /// The patient as `role` may see it: the restriction's reason only where
    /// `PatientRestriction.reasonShown` says; what the role may do to it (`Permissions`).
    init(_ patient: Patient, for role: Role) {
        let d = patient.details
        let restriction = patient.restriction
        self.init(
            id: patient.id.uuidString.lowercased(), mrn: d.mrn, given_name: d.givenName, family_name: d.familyName,
            birth_date: d.birthDate,
            sex: .init(d.sex), phone: d.phone, email: d.email,
            address: .init(
                line: d.address.line, city: d.address.city, region: d.address.region, postal_code: d.address.postalCode,
                country: d.address.country),
            active: d.active, created_at: patient.createdAt, updated_at: patient.updatedAt,
            restricted: restriction.restricted, restriction_reason: restriction.reasonShown(to: role),
            chart_open: restriction.chartOpen, care_team: restriction.careTeam?.map(Components.Schemas.CareTeamMember.init),
            actions: Permissions.actions(onPatientBy: role))
    }
}

extension Components.Schemas.CareTeamMember {
    init(_ member: CareTeamMember) {
        self.init(
            user_id: member.userID.uuidString.lowercased(), name: member.name, role: .init(member.role),
            added_by: member.addedBy.uuidString.lowercased(), added_at: member.addedAt)
    }
}
