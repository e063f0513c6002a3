import NIOCore
import PostgresNIO
import SoapstoneCore

// The domain's enums as the schema stores them: text, each value checked by the column's CHECK
// constraint. Read back, a value this version does not know throws (PostgresNIO's decoding
// error names the column) and the request fails as a logged server error. A default instead
// would turn it into something it is not: an editable draft, the weakest role, a success.
//
// Each type states its members: PostgresNIO offers two defaults for an enum that is both
// RawRepresentable and Codable (as text, and as JSON), and Swift will not choose.

/// An enum stored as its raw value, as text.
protocol StoredAsText: RawRepresentable, PostgresCodable where RawValue == String {}

extension StoredAsText {
    static func encodeText<E: PostgresJSONEncoder>(
        _ value: Self, into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>
    ) throws {
        try value.rawValue.encode(into: &byteBuffer, context: context)
    }

    static func decodeText<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws -> Self {
        guard let value = Self(rawValue: try String(from: &buffer, type: type, format: format, context: context)) else {
            throw PostgresDecodingError.Code.failure
        }
        return value
    }
}

extension Role: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension AdministrativeSex: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension EncounterType: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension EncounterStatus: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension NoteStatus: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension AuditAction: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}

extension AuditOutcome: StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<E: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<E>) throws {
        try Self.encodeText(self, into: &byteBuffer, context: context)
    }

    public init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        self = try Self.decodeText(from: &buffer, type: type, format: format, context: context)
    }
}
