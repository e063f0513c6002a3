import Foundation
import SoapstoneCore

/// A patient's access report as RFC 4180 text: a header row, then one event a row, CRLF line
/// ends, a field quoted when it holds a comma, a quote or a line break (its quotes doubled).
enum AccessReportCSV {
    static let header = [
        "occurred_at", "user_name", "user_id", "role", "action", "action_text", "entity_type", "entity_id", "outcome",
        "reason", "listed", "ip", "request_id", "event_id",
    ]

    static func text(of entries: [AccessReportEntry]) -> String {
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var text = line(header)
        for line in entries {
            let e = line.event.entry
            text += Self.line([
                dates.string(from: line.event.occurredAt), line.userName ?? "", e.userID?.uuidString.lowercased() ?? "",
                e.role?.rawValue ?? "", e.action.rawValue, e.action.words, e.entityType,
                e.entityID?.uuidString.lowercased() ?? "", e.outcome.rawValue, line.reason ?? "", line.listed ? "true" : "false",
                e.origin.ip ?? "", e.origin.requestID ?? "", line.event.id.uuidString.lowercased(),
            ])
        }
        return text
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        // A spreadsheet runs a cell that starts with = + - @ as a formula: a name is data, never
        // code (OWASP's CSV injection advice: prefix a quote).
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
