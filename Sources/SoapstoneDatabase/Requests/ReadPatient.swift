import Foundation
import PostgresNIO
import SoapstoneCore

extension Database {
    /// A patient's record and its read audited, as one statement (`soapstone_read_patient`,
    /// migration 18); nil, and nothing audited, when this tenant has no such patient.
    public func readPatient(_ id: UUID, tenantID: UUID, audit: AuditEntry) async throws -> Patient? {
        try await call(ReadPatient(tenantID: tenantID, id: id, audit: audit)).first
    }
}

/// `GET /v1/patients/{id}` in one round trip, prepared once per connection.
struct ReadPatient: TenantCall {
    static let sql = """
        SELECT \(PatientRepository.columns), chart_open
          FROM soapstone_read_patient($1, $2, $3, \(PostgresBindings.auditEntryParameters(from: 4)))
        """
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid, .uuid] + PostgresBindings.auditEntryTypes }
    typealias Row = Patient

    let tenantID: UUID
    let id: UUID
    let audit: AuditEntry

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 13)
        bindings.append(tenantID)
        bindings.append(audit.userID)
        bindings.append(id)
        try bindings.append(audit, detail: [:])
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Patient { try PatientRepository.patient(from: row) }
}
