/// A SQL file split into its statements. PostgresNIO speaks the extended protocol, which takes
/// one statement per message, so a migration file is sent statement by statement.
///
/// The split happens only at semicolons outside of string literals (`'...'`, `E'...'` with
/// backslash escapes), quoted identifiers, dollar-quoted bodies (`$$...$$`, `$tag$...$tag$`)
/// and comments (`--` to end of line, nested `/* */`).
public struct SQLScript: Sendable, Equatable {
    public let statements: [String]

    public init(_ text: String) {
        self.statements = Self.split(Array(text.unicodeScalars))
    }

    private static func split(_ s: [Unicode.Scalar]) -> [String] {
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false  // the current statement holds more than comments and whitespace
        var i = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if hasCode, !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func take(_ count: Int) {
            current.append(contentsOf: s[i..<min(i + count, s.count)])
            i += count
        }
        func at(_ offset: Int) -> Unicode.Scalar? {
            i + offset < s.count ? s[i + offset] : nil
        }

        while i < s.count {
            let c = s[i]
            switch c {
            case "-" where at(1) == "-":
                while i < s.count, s[i] != "\n" { take(1) }
            case "/" where at(1) == "*":
                var depth = 0
                repeat {
                    if at(0) == "/", at(1) == "*" {
                        depth += 1
                        take(2)
                    } else if at(0) == "*", at(1) == "/" {
                        depth -= 1
                        take(2)
                    } else {
                        take(1)
                    }
                } while depth > 0 && i < s.count
            case "'":
                hasCode = true
                let escapes = i > 0 && (s[i - 1] == "E" || s[i - 1] == "e") && !(i > 1 && isWordScalar(s[i - 2]))
                take(1)
                while i < s.count {
                    if escapes, s[i] == "\\" {
                        take(2)
                    } else if s[i] == "'" {
                        take(1)
                        if at(0) == "'" { take(1) } else { break }
                    } else {
                        take(1)
                    }
                }
            case "\"":
                hasCode = true
                take(1)
                while i < s.count {
                    if s[i] == "\"" {
                        take(1)
                        if at(0) == "\"" { take(1) } else { break }
                    } else {
                        take(1)
                    }
                }
            case "$" where !(i > 0 && isWordScalar(s[i - 1])):
                hasCode = true
                if let tag = dollarTag(in: s, at: i) {
                    take(tag.count)
                    while i < s.count, !matches(tag, in: s, at: i) { take(1) }
                    take(tag.count)
                } else {
                    take(1)
                }
            case ";":
                take(1)
                flush()
            default:
                if !c.properties.isWhitespace { hasCode = true }
                take(1)
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `start`, or nil when the dollar sign is a parameter (`$1`).
    private static func dollarTag(in s: [Unicode.Scalar], at start: Int) -> [Unicode.Scalar]? {
        var end = start + 1
        while end < s.count, s[end] != "$" {
            guard isWordScalar(s[end]), !(end == start + 1 && s[end].properties.numericType != nil) else {
                return nil
            }
            end += 1
        }
        return end < s.count ? Array(s[start...end]) : nil
    }

    private static func matches(_ tag: [Unicode.Scalar], in s: [Unicode.Scalar], at start: Int) -> Bool {
        start + tag.count <= s.count && Array(s[start..<start + tag.count]) == tag
    }

    private static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }
}

extension String {
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
