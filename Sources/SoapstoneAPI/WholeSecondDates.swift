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
        // Twenty ASCII bytes, written in place: building it from strings cost as much again.
        return String(unsafeUninitializedCapacity: 20) { text in
            func put(_ value: Int32, digits: Int, at offset: Int, then separator: Unicode.Scalar) {
                var rest = value
                for index in (offset..<offset + digits).reversed() {
                    text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                text[offset + digits] = UInt8(ascii: separator)
            }
            put(parts.tm_year + 1900, digits: 4, at: 0, then: "-")
            put(parts.tm_mon + 1, digits: 2, at: 5, then: "-")
            put(parts.tm_mday, digits: 2, at: 8, then: "T")
            put(parts.tm_hour, digits: 2, at: 11, then: ":")
            put(parts.tm_min, digits: 2, at: 14, then: ":")
            put(parts.tm_sec, digits: 2, at: 17, then: "Z")
            return 20
        }
    }

    func decode(_ text: String) throws -> Date { try standard.decode(text) }
}
