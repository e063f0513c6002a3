import Crypto
import Foundation

public enum NoteStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Editable; every save is a new version.
    case draft
    /// Frozen by a physician's signature; changed only by amendment.
    case signed
    /// Signed, then amended at least once; each amendment is a version with a reason.
    case amended
    /// Kept for the record, but not to be relied on.
    case enteredInError = "entered_in_error"
}

/// The four sections of a SOAP note.
public struct NoteContent: Sendable, Hashable, Codable {
    public var subjective: String
    public var objective: String
    public var assessment: String
    public var plan: String

    public init(subjective: String, objective: String, assessment: String, plan: String) {
        self.subjective = subjective
        self.objective = objective
        self.assessment = assessment
        self.plan = plan
    }

    /// SHA-256 of the content as lowercase hex: each section, in SOAP order, as its UTF-8 byte
    /// length, a colon, its bytes and a newline. The length prefix keeps "a|bc" and "ab|c"
    /// apart. The database's `note_content_sha256` computes the same value; the one it stores
    /// is authoritative, this one lets a client or a test check it.
    public var sha256: String {
        var bytes: [UInt8] = []
        for section in [subjective, objective, assessment, plan] {
            let utf8 = Array(section.utf8)
            bytes.append(contentsOf: Array("\(utf8.count):".utf8))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// Which version of a note a change is based on, as the client's If-Match says (RFC 9110
/// section 13.1.1): any current version (`*`, or no If-Match where none is required), or one of
/// the listed ones. A change whose precondition the note does not meet is refused as stale.
public enum VersionPrecondition: Sendable, Hashable {
    case any
    /// Empty when no entity tag of the header names a version: nothing matches it.
    case oneOf([Int])

    public func admits(_ version: Int) -> Bool {
        switch self {
        case .any: true
        case .oneOf(let versions): versions.contains(version)
        }
    }

    /// The versions, or nil when any will do: the form the SQL compares with.
    public var versions: [Int]? {
        if case .oneOf(let versions) = self { versions } else { nil }
    }
}
