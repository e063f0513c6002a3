import Crypto
import Foundation

/// Refresh tokens are opaque to clients: `rt1.<tenant id>.<32 random bytes, base64url>`. The
/// tenant part lets the server open the right tenant's transaction; only the SHA-256 of the
/// whole token is stored.
enum RefreshToken {
    static func make(tenantID: UUID) -> (value: String, sha256: String) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let value = "rt1.\(tenantID.uuidString.lowercased()).\(Data(bytes).base64URLEncodedString)"
        return (value, hash(value))
    }

    /// The tenant and the stored hash of what has the shape of a refresh token; nil for
    /// anything else, which is then never looked up or charged to the client's allowance.
    static func parse(_ value: String) -> (tenantID: UUID, sha256: String)? {
        guard value.utf8.count == 84 else { return nil }  // "rt1." + 36 + "." + 43
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "rt1", let tenantID = UUID(uuidString: String(parts[1])),
            parts[2].utf8.count == 43,
            parts[2].utf8.allSatisfy({ $0.isBase64URLDigit })
        else {
            return nil
        }
        return (tenantID, hash(value))
    }

    static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension UInt8 {
    /// A letter, digit, `-` or `_`: the alphabet of base64url (RFC 4648 section 5).
    var isBase64URLDigit: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
