import Crypto

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
