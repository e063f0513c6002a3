import Foundation
import PostgresNIO
import SoapstoneCore

/// An audit entry as the database's functions take it (migration 18): after the tenant and the
/// acting user, these ten in this order, in `soapstone_record_audit` and in every request
/// function that writes an event. Every statement that writes one binds them here.
extension PostgresBindings {
    /// `shown`: the patients a list or search showed (detail.patient_ids, migration 30), for an
    /// event about no single patient that named some; each once, in the order shown.
    mutating func append(_ entry: AuditEntry, detail: [String: String], shown: [UUID]? = nil) throws {
        try append(entry.role)
        try append(entry.action)
        append(entry.entityType)
        append(entry.entityID)
        append(entry.patientID)
        append(entry.origin.ip)
        append(entry.origin.requestID)
        append(entry.origin.clientRequestID)
        try append(entry.outcome)
        var seen = Set<UUID>()
        let ids = shown?.filter { seen.insert($0).inserted }.map { $0.uuidString.lowercased() }
        append(JSONText.object(detail, arrays: ids.map { ["patient_ids": $0] } ?? [:]))
    }

    /// The types of those ten, stated: an entry without a user, role or patient would
    /// otherwise leave a parameter's type to the server for as long as the connection lives.
    static let auditEntryTypes: [PostgresDataType] = [.text, .text, .text, .uuid, .uuid, .text, .text, .text, .text, .text]

    /// The ten parameters from `$first`, cast where the function's type has no implicit cast
    /// from text (the address, the detail).
    static func auditEntryParameters(from first: Int) -> String {
        (first..<first + 10).map { n in
            switch n - first {
            case 5: "$\(n)::inet"
            case 9: "$\(n)::jsonb"
            default: "$\(n)"
            }
        }.joined(separator: ", ")
    }
}
