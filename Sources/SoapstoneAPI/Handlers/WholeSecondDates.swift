import Foundation
import OpenAPIRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 3339 dates: written in whole seconds UTC (`2026-11-25T14:26:11Z`), the generator's
/// default format, without a date formatter (a page of 20 patients carries 40 dates, and
/// Foundation's ISO 8601 formatting showed in the profile: bench/README.md, "What the
/// benchmark found"); read in any form RFC 3339 allows (fractional seconds, an offset, any
/// year from 0000), on the proleptic Gregorian calendar PostgreSQL and the writer use.
/// Foundation's reader took years before 1000 on another calendar (0999-01-01 became
/// 0999-01-06) and refused fractional seconds.
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

    func decode(_ text: String) throws -> Date {
        guard let date = Self.parse(Array(text.utf8)) else { throw DateTimeError(text: text) }
        return date
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, RFC 3339 section 5.6 (`t` and `z` in
    /// either case; a leap second 60 counts as the next second).
    static func parse(_ text: [UInt8]) -> Date? {
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= text.count else { return nil }
            var value = 0
            for byte in text[index..<index + digits] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard index < text.count, allowed.utf8.contains(text[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt"), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var fraction = 0.0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
                fraction += Double(text[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            let sign = text[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == text.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// A value sent as a date-time that is not an RFC 3339 date-time. `DecodingMiddleware`
/// names the field it came in.
struct DateTimeError: Error {
    let text: String
}
