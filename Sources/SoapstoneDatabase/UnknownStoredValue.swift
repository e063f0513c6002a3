/// A stored value this version of Soapstone has no meaning for (a row written by a newer
/// version, or by hand). Reading it as some default would turn it into something it is not, so
/// the read fails instead, and the error names the column and the value for the log.
public struct UnknownStoredValue: Error, CustomStringConvertible {
    public let column: String
    public let value: String

    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    public var description: String { "\(column) holds \"\(value)\", which this version does not know" }
}
