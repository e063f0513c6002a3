import Foundation

/// `migrate status` as a table a person reads at a glance.
public struct MigrationStatusTable {
    let rows: [MigrationStatus]

    public init(_ rows: [MigrationStatus]) { self.rows = rows }

    public var text: String {
        let formatter = ISO8601DateFormatter()
        var lines = [pad("version", 8) + pad("name", 28) + pad("state", 10) + pad("applied at", 22) + "sha256"]
        for row in rows {
            let (state, date): (String, Date?) =
                switch row.state {
                case .pending: ("pending", nil)
                case .applied(let at): ("applied", at)
                case .changed(let at, _): ("CHANGED", at)
                case .unknown(let at): ("UNKNOWN", at)
                }
            lines.append(
                pad(String(format: "%04d", row.version), 8) + pad(row.name, 28) + pad(state, 10)
                    + pad(date.map(formatter.string(from:)) ?? "-", 22) + String(row.checksum.prefix(12)))
        }
        let pending = rows.filter { if case .pending = $0.state { true } else { false } }.count
        let applied = rows.filter { if case .applied = $0.state { true } else { false } }.count
        lines.append("\(applied) applied, \(pending) pending")
        for row in rows {
            if case .changed(_, let recorded) = row.state {
                lines.append(
                    "migration \(row.version) changed after it was applied (recorded sha256 \(recorded.prefix(12))…): restore the file"
                )
            }
            if case .unknown = row.state {
                lines.append("migration \(row.version) is applied but unknown to this build")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
