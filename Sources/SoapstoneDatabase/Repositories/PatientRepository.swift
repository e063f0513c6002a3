import Foundation
import PostgresNIO
import SoapstoneCore

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
        try await Self.first(tx.query("SELECT \(unescaped: Self.columns) FROM api_patients WHERE id = \(id)"))
    }

    public func find(mrn: String) async throws -> Patient? {
        try await Self.first(tx.query("SELECT \(unescaped: Self.columns) FROM api_patients WHERE mrn = \(mrn)"))
    }

    static let columns = """
        id, mrn, given_name, family_name, birth_date::text, sex, phone, email, address_line, address_city,
        address_region, address_postal_code, address_country, active, created_at, updated_at
        """

    static func first(_ rows: PostgresRowSequence) async throws -> Patient? {
        for try await row in rows.decode(
            (
                UUID, String, String, String, String, String, String?, String?, String?, String?, String?, String?, String?, Bool,
                Date, Date
            )
            .self)
        {
            let details = PatientDetails(
                mrn: row.1, givenName: row.2, familyName: row.3, birthDate: row.4,
                sex: AdministrativeSex(rawValue: row.5) ?? .unknown,
                phone: row.6, email: row.7,
                address: Address(line: row.8, city: row.9, region: row.10, postalCode: row.11, country: row.12), active: row.13)
            return Patient(id: row.0, details: details, createdAt: row.14, updatedAt: row.15)
        }
        return nil
    }
}

extension TenantTransaction {
    public var patients: PatientRepository { PatientRepository(tx: self) }
}
