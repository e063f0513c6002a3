import Foundation
import SoapstoneCore
import SoapstoneDatabase

/// A keyset cursor as clients see it: base64url of a JSON array of its parts, which they only
/// hand back. Anything else handed back is a 422 on `cursor`, never a query. Cursors travel in
/// URLs, so their parts are ids and times, never PHI (no names: the database finds a row's
/// sort keys from its id).
protocol OpaqueCursor {
    var parts: [String] { get }
    init?(parts: [String])
}

extension OpaqueCursor {
    var opaque: String { Data(JSONText.array(parts).utf8).base64URLEncodedString }

    init(opaque: String) throws {
        guard let data = Data(base64URLEncoded: opaque), let parts = try? JSONDecoder().decode([String].self, from: data),
            let cursor = Self(parts: parts)
        else {
            throw DomainError.validation([FieldError(field: "cursor", message: "is not a cursor this server gave out")])
        }
        self = cursor
    }
}

extension RowCursor: OpaqueCursor {
    var parts: [String] { [id.uuidString.lowercased()] }

    init?(parts: [String]) {
        guard parts.count == 1, let id = UUID(uuidString: parts[0]) else { return nil }
        self.init(id: id)
    }
}

extension VersionCursor: OpaqueCursor {
    var parts: [String] { [String(version)] }

    init?(parts: [String]) {
        guard parts.count == 1, let version = Int(parts[0]), version >= 1 else { return nil }
        self.init(version: version)
    }
}

extension InstantCursor: OpaqueCursor {
    var parts: [String] { [String(microseconds), id.uuidString] }

    init?(parts: [String]) {
        guard parts.count == 2, let microseconds = Int64(parts[0]), let id = UUID(uuidString: parts[1]) else { return nil }
        self.init(microseconds: microseconds, id: id)
    }
}
