import Foundation

/// A `date` column as the API writes it, `1975-06-01`. Read as PostgreSQL's date and formatted
/// here: `birth_date::text` follows the session's DateStyle, so it is not immutable, and Citus
/// refuses it in RETURNING. gmtime_r counts on the proleptic Gregorian calendar, as PostgreSQL
/// does; Foundation's Gregorian calendar turns Julian before 1582.
enum CalendarDate {
    static func text(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "" }
        let year = Int(parts.tm_year) + 1900
        let two = { (value: Int32) in value < 10 ? "0\(value)" : "\(value)" }
        let padded = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(padded)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }
}
