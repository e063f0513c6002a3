import Foundation
import OpenAPIRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 3339 dates in whole seconds UTC (`2026-11-25T14:26:11Z`), the generator's default
/// format, written without a date formatter: a page of 20 patients carries 40 dates, and
/// Foundation's ISO 8601 formatting was a tenth of the server's time on the patient search
/// (bench/clinical.sh). Reading dates is left to the generator's own transcoder.
struct WholeSecondDates: DateTranscoder {
    private let standard = ISO8601DateTranscoder()

    func encode(_ date: Date) throws -> String {
        // As Foundation's formatter does: to the millisecond first, then whole seconds.
        var seconds = time_t(((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil, (0...9999).contains(parts.tm_year + 1900) else {
            return try standard.encode(date)
        }
        var text = ""
        text.reserveCapacity(20)
        func append(_ value: Int32, digits: Int) {
            let number = String(value)
            text += String(repeating: "0", count: max(0, digits - number.count)) + number
        }
        append(parts.tm_year + 1900, digits: 4)
        text += "-"
        append(parts.tm_mon + 1, digits: 2)
        text += "-"
        append(parts.tm_mday, digits: 2)
        text += "T"
        append(parts.tm_hour, digits: 2)
        text += ":"
        append(parts.tm_min, digits: 2)
        text += ":"
        append(parts.tm_sec, digits: 2)
        text += "Z"
        return text
    }

    func decode(_ text: String) throws -> Date { try standard.decode(text) }
}
