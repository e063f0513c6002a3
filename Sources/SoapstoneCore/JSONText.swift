/// Compact JSON for the few flat values the server writes on every request (the audit event's
/// detail, a page's cursor), written directly: a JSONEncoder made and run for two strings cost
/// more than the strings (the figures: bench/README.md, "What the benchmark found").
public enum JSONText {
    /// `value` as a JSON string, quotes included (RFC 8259 §7: `"`, `\` and control
    /// characters escaped, everything else as it is).
    public static func string(_ value: String) -> String {
        var text = "\""
        text.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
        return text
    }

    /// An object of string values and, beside them, arrays of strings; keys in order, so equal
    /// objects are equal text.
    public static func object(_ members: [String: String], arrays: [String: [String]] = [:]) -> String {
        let texts = members.mapValues(string).merging(arrays.mapValues(array)) { value, _ in value }
        return "{" + texts.sorted { $0.key < $1.key }.map { string($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }

    /// An array of strings.
    public static func array(_ elements: [String]) -> String {
        "[" + elements.map(string).joined(separator: ",") + "]"
    }
}
