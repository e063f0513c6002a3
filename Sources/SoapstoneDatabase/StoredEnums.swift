import NIOCore
import PostgresNIO
import SoapstoneCore

// The domain's enums as the schema stores them: text, each value checked by the column's CHECK
// constraint. Read back, a value this version does not know throws (PostgresNIO's decoding
// error names the column) and the request fails as a logged server error. A default instead
// would turn it into something it is not: an editable draft, the weakest role, a success.

/// An enum stored as its raw value, as text. PostgresNIO offers two defaults for an enum that is
/// both RawRepresentable and Codable (as its raw value, and as JSON), and Swift will not choose
/// between them; these, for exactly such enums, are more specific than either.
protocol StoredAsText: RawRepresentable, Codable, PostgresCodable where RawValue == String {}

extension StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try rawValue.encode(into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        guard let value = Self(rawValue: try String(from: &buffer, type: type, format: format, context: context)) else {
            throw PostgresDecodingError.Code.failure
        }
        self = value
    }
}

extension Role: StoredAsText {}
extension AdministrativeSex: StoredAsText {}
extension EncounterType: StoredAsText {}
extension EncounterStatus: StoredAsText {}
extension NoteStatus: StoredAsText {}
extension AuditAction: StoredAsText {}
extension AuditOutcome: StoredAsText {}
