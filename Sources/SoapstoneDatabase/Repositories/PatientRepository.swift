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
    /// Restricts (with the reason) or releases the record (migration 34); `PatientRestriction.check`
    /// says who may and how.
    public var restricted: Bool?
    public var restrictionReason: String?

    public init(
        mrn: String? = nil, givenName: String? = nil, familyName: String? = nil, birthDate: String? = nil,
        sex: AdministrativeSex? = nil,
        phone: String? = nil, email: String? = nil, address: Address? = nil, active: Bool? = nil,
        restricted: Bool? = nil, restrictionReason: String? = nil
    ) {
        (self.mrn, self.givenName, self.familyName, self.birthDate, self.sex) = (mrn, givenName, familyName, birthDate, sex)
        (self.phone, self.email, self.address, self.active) = (phone, email, address, active)
        (self.restricted, self.restrictionReason) = (restricted, restrictionReason)
    }

    /// Whether anything but the restriction changes.
    public var changesDetails: Bool {
        mrn != nil || givenName != nil || familyName != nil || birthDate != nil || sex != nil || phone != nil || email != nil
            || address != nil || active != nil
    }
}

/// Where a page of the patient list ends: its last patient, by id only. The database finds
/// that patient's place in the order; a cursor travels in URLs and logs, and a name in it
/// would be PHI there.
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

    /// Patients on record with the name and birth date of `details`: each name compared as its
    /// search key (any case, with or without accents) after trimming, from the list's index.
    /// At most ten: enough to recognise the one meant.
    public func possibleDuplicates(of details: PatientDetails) async throws -> [PatientSummary] {
        let rows = try await tx.query(
            """
            SELECT \(unescaped: Self.summaryColumns)
              FROM patients
             WHERE tenant_id = \(tx.tenantID)
               AND family_key = search_key(btrim(\(details.familyName)))
               AND given_key = search_key(btrim(\(details.givenName)))
               AND birth_date = \(details.birthDate)::date
             ORDER BY family_key, given_key, id
             LIMIT 10
            """)
        var matches: [PatientSummary] = []
        for try await row in rows { matches.append(try Self.summary(from: row)) }
        return matches
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
                    active = COALESCE(\(changes.active), active),
                    restricted = COALESCE(\(changes.restricted), restricted),
                    restriction_reason = CASE WHEN \(changes.restricted)::boolean IS NULL THEN restriction_reason
                                              WHEN \(changes.restricted)::boolean THEN btrim(\(changes.restrictionReason)) END
                 WHERE tenant_id = \(tx.tenantID) AND id = \(id)
                RETURNING \(unescaped: Self.columns)
                """))
    }

    /// Whether this transaction sees a restricted patient's clinical record: the acting user is
    /// on the care team or holds a live grant (the policies' own condition, migration 34).
    public func chartOpen(_ id: UUID) async throws -> Bool {
        for try await open in try await tx.query("SELECT coalesce(soapstone_sees_patient(true, \(id)), false)").decode(Bool.self) {
            return open
        }
        return false
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
        address_region, address_postal_code, address_country, active, created_at, updated_at, restricted,
        restriction_reason
        """

    /// What a search lists of each patient (`PatientSummary`), and the keys it is in order of.
    static let summaryColumns = "id, mrn, given_name, family_name, birth_date, sex, active, family_key, given_key"

    /// A row of `summaryColumns`.
    static func summary(from row: PostgresRow) throws -> PatientSummary {
        let (id, mrn, given, family, born, sex, active, _, _) = try row.decode(
            (UUID, String, String, String, Date, AdministrativeSex, Bool, String, String).self)
        return PatientSummary(
            id: id, mrn: mrn, givenName: given, familyName: family, birthDate: CalendarDate.text(born), sex: sex,
            active: active)
    }

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
        let restricted = try c[16].decode(Bool.self)
        // Open unless restricted; a restricted patient's answer is completed by `chartOpen` or
        // by the read function's own column.
        let chartOpen = c.count > 18 ? try c[18].decode(Bool.self) : !restricted
        return Patient(
            id: try c[0].decode(UUID.self), details: details, createdAt: try c[14].decode(Date.self),
            updatedAt: try c[15].decode(Date.self),
            restriction: PatientRestriction(
                restricted: restricted, reason: try c[17].decode(String?.self), chartOpen: chartOpen))
    }
}

extension TenantTransaction {
    public var patients: PatientRepository { PatientRepository(tx: self) }
}

/// A patient by id, the read of every chart: prepared once per connection. The explicit
/// tenant_id is for Citus (docs/design.md rule 9: one shard); RLS is the guard either way.
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
