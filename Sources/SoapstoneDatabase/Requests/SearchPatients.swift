import Foundation
import PostgresNIO
import SoapstoneCore

extension Database {
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

/// `GET /v1/patients?q=` in one round trip, prepared once per connection. On one server the
/// function keeps one generic plan of its inner statement (its SET clause, migration 18); on
/// Citus, `scale distribute` makes it plan each call's values instead (`Distribution`).
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
        try PatientRepository.summary(from: row)
    }
}
