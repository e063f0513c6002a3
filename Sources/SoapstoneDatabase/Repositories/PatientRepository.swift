import Foundation
import PostgresNIO
import SoapstoneCore

/// What a PATCH of a patient sends: nil leaves a field as it is.
public struct PatientChanges: Sendable {
    public var mrn, givenName, familyName, birthDate: String?
    public var sex: AdministrativeSex?
    public var phone, email: String?
    public var address: Address?
    public var active: Bool?

    public init(
        mrn: String? = nil, givenName: String? = nil, familyName: String? = nil, birthDate: String? = nil,
        sex: AdministrativeSex? = nil,
        phone: String? = nil, email: String? = nil, address: Address? = nil, active: Bool? = nil
    ) {
        (self.mrn, self.givenName, self.familyName, self.birthDate, self.sex) = (mrn, givenName, familyName, birthDate, sex)
        (self.phone, self.email, self.address, self.active) = (phone, email, address, active)
    }
}

/// Where a page of the patient list ends: its last patient, by id only. The database finds
/// that patient's place in the order; a cursor travels in URLs and logs, and a name in it
/// would be PHI there.
/// Where a page of patients ends: its last patient's id.
public typealias PatientCursor = RowCursor

public struct PatientSearch: Sendable {
    /// A prefix of the family or given name (any case, any accents), or an exact MRN.
    public var text: String?
    public var active: Bool?
    public var limit: Int
    public var after: PatientCursor?

    public init(text: String?, active: Bool?, limit: Int, after: PatientCursor?) {
        (self.text, self.active, self.limit, self.after) = (text, active, limit, after)
    }
}

public struct PatientRepository {
    let tx: TenantTransaction

    public func create(id: UUID = UUID(), _ details: PatientDetails) async throws -> Patient {
        let a = details.address
        let rows = try await tx.query(
            """
            INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email,
                                  address_line, address_city, address_region, address_postal_code, address_country, active)
            VALUES (\(id), \(tx.tenantID), \(details.mrn), \(details.givenName), \(details.familyName),
                    \(details.birthDate)::date, \(details.sex.rawValue), \(details.phone), \(details.email),
                    \(a.line), \(a.city), \(a.region), \(a.postalCode), \(a.country), \(details.active))
            RETURNING \(unescaped: Self.columns)
            """)
        guard let patient = try await Self.first(rows) else { throw DomainError.notFound }
        return patient
    }

    public func find(id: UUID) async throws -> Patient? {
        for try await patient in try await tx.execute(FindPatient(tenantID: tx.tenantID, id: id)) { return patient }
        return nil
    }

    /// One statement: every column keeps its value unless the change names it.
    public func update(id: UUID, _ changes: PatientChanges) async throws -> Patient? {
        let a = changes.address
        return try await Self.first(
            tx.query(
                """
                UPDATE patients SET
                    mrn = COALESCE(\(changes.mrn), mrn),
                    given_name = COALESCE(\(changes.givenName), given_name),
                    family_name = COALESCE(\(changes.familyName), family_name),
                    birth_date = COALESCE(\(changes.birthDate)::date, birth_date),
                    sex = COALESCE(\(changes.sex?.rawValue), sex),
                    phone = COALESCE(\(changes.phone), phone),
                    email = COALESCE(\(changes.email), email),
                    address_line = COALESCE(\(a?.line), address_line),
                    address_city = COALESCE(\(a?.city), address_city),
                    address_region = COALESCE(\(a?.region), address_region),
                    address_postal_code = COALESCE(\(a?.postalCode), address_postal_code),
                    address_country = COALESCE(\(a?.country), address_country),
                    active = COALESCE(\(changes.active), active)
                 WHERE tenant_id = \(tx.tenantID) AND id = \(id)
                RETURNING \(unescaped: Self.columns)
                """))
    }

    /// A name in two parts: "Bronte, Zoe" (family, given) at its comma, otherwise at its first
    /// space ("Zoe Bronte", "van Dijk" too: the whole text is also tried as one name).
    static func nameParts(of text: String) -> (String, String)? {
        let separator: Character = text.contains(",") ? "," : " "
        let parts = text.split(separator: separator, maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (parts[0], parts[1])
    }

    static let columns = """
        id, mrn, given_name, family_name, birth_date, sex, phone, email, address_line, address_city,
        address_region, address_postal_code, address_country, active, created_at, updated_at
        """

    /// What a search lists of each patient (`PatientSummary`), and the keys it is in order of.
    static let summaryColumns = "id, mrn, given_name, family_name, birth_date, sex, active, family_key, given_key"

    static func first(_ rows: PostgresRowSequence) async throws -> Patient? {
        for try await row in rows { return try patient(from: row) }
        return nil
    }

    static func patient(from row: PostgresRow) throws -> Patient {
        let c = row.makeRandomAccess()
        let details = PatientDetails(
            mrn: try c[1].decode(String.self), givenName: try c[2].decode(String.self), familyName: try c[3].decode(String.self),
            birthDate: CalendarDate.text(try c[4].decode(Date.self)), sex: try c[5].decode(AdministrativeSex.self),
            phone: try c[6].decode(String?.self), email: try c[7].decode(String?.self),
            address: Address(
                line: try c[8].decode(String?.self), city: try c[9].decode(String?.self), region: try c[10].decode(String?.self),
                postalCode: try c[11].decode(String?.self), country: try c[12].decode(String?.self)),
            active: try c[13].decode(Bool.self))
        return Patient(
            id: try c[0].decode(UUID.self), details: details, createdAt: try c[14].decode(Date.self),
            updatedAt: try c[15].decode(Date.self))
    }
}

extension TenantTransaction {
    public var patients: PatientRepository { PatientRepository(tx: self) }
}

/// A patient by id, the read of every chart: prepared once per connection. The explicit
/// tenant_id is for Citus (DESIGN.md rule 9: one shard); RLS is the guard either way.
struct FindPatient: PostgresPreparedStatement {
    static let sql = "SELECT \(PatientRepository.columns) FROM api_patients WHERE tenant_id = $1 AND id = $2"
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid] }
    typealias Row = Patient

    let tenantID: UUID
    let id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(tenantID)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Patient { try PatientRepository.patient(from: row) }
}

extension Database {
    /// A patient's record and its read audited, as one statement (`soapstone_read_patient`,
    /// migration 18); nil, and nothing audited, when this tenant has no such patient.
    public func readPatient(_ id: UUID, tenantID: UUID, audit: AuditEntry) async throws -> Patient? {
        try await call(ReadPatient(tenantID: tenantID, id: id, audit: audit)).first
    }

    /// One page in (family, given, id) order after `search.after`, and the cursor of the next
    /// page when there is one, the list audited with how many it showed, as one statement
    /// (`soapstone_search_patients`, migration 18, which says how it finds them). Keyset
    /// paging, never OFFSET: page 500 costs what page 1 does, and rows inserted meanwhile
    /// neither repeat nor push others out of sight. A cursor naming no patient of this tenant
    /// gives an empty page.
    public func searchPatients(_ search: PatientSearch, tenantID: UUID, audit: AuditEntry, detail: [String: String])
        async throws -> (patients: [PatientSummary], next: PatientCursor?)
    {
        let page = try await call(SearchPatients(tenantID: tenantID, search: search, audit: audit, detail: detail))
        guard page.count > search.limit else { return (page, nil) }
        return (Array(page.prefix(search.limit)), PatientCursor(id: page[search.limit - 1].id))
    }
}

/// `GET /v1/patients/{id}` in one round trip, prepared once per connection.
struct ReadPatient: TenantCall {
    static let sql = """
        SELECT \(PatientRepository.columns)
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

/// `GET /v1/patients?q=` in one round trip, prepared once per connection; the function plans
/// its inner statement for each call's values (its SET clause).
struct SearchPatients: TenantCall {
    static let sql = """
        SELECT \(PatientRepository.summaryColumns)
          FROM soapstone_search_patients($1, $2, $3, $4, $5, $6, $7, $8, $9, \(PostgresBindings.auditEntryParameters(from: 10)))
         ORDER BY family_key, given_key, id
        """
    static var bindingDataTypes: [PostgresDataType] {
        [.uuid, .uuid, .bool, .uuid, .int4, .text, .text, .text, .bool] + PostgresBindings.auditEntryTypes
    }
    typealias Row = PatientSummary

    let tenantID: UUID
    let search: PatientSearch
    let audit: AuditEntry
    let detail: [String: String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 19)
        bindings.append(tenantID)
        bindings.append(audit.userID)
        bindings.append(search.active)
        bindings.append(search.after?.id)
        bindings.append(Int32(search.limit))
        let ways = Self.ways(of: search.text)
        bindings.append(ways.text)
        bindings.append(ways.first)
        bindings.append(ways.second)
        bindings.append(ways.familyFirst)
        try bindings.append(audit, detail: detail)
        return bindings
    }

    /// What the function matches the text by: the text itself (nil: the whole list), and, when
    /// it has two parts, each part, and whether the family name comes first (a comma).
    static func ways(of text: String?) -> (text: String?, first: String?, second: String?, familyFirst: Bool?) {
        // "Bronte," is a family name typed before its given name: the comma alone says nothing.
        guard let text = text?.trimmingCharacters(in: .whitespaces.union([","])), !text.isEmpty else {
            return (nil, nil, nil, nil)
        }
        guard let (first, second) = PatientRepository.nameParts(of: text) else { return (text, nil, nil, nil) }
        return (text, first, second, text.contains(","))
    }

    func decodeRow(_ row: PostgresRow) throws -> PatientSummary {
        let (id, mrn, given, family, born, sex, active, _, _) = try row.decode(
            (UUID, String, String, String, Date, AdministrativeSex, Bool, String, String).self)
        return PatientSummary(
            id: id, mrn: mrn, givenName: given, familyName: family, birthDate: CalendarDate.text(born), sex: sex,
            active: active)
    }
}
