import Foundation

/// Field rules shared by the API's operations; each answers the problems it finds.
public enum Validation {
    public static func slug(_ slug: String, field: String = "organization.slug") -> [FieldError] {
        let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard (3...63).contains(slug.count), allowed, !slug.hasPrefix("-"), !slug.hasSuffix("-") else {
            return [
                FieldError(
                    field: field,
                    message: "must be 3 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen")
            ]
        }
        return []
    }

    public static func organizationName(_ name: String, field: String = "organization.name") -> [FieldError] {
        text(name, field: field, maximum: 200)
    }

    public static func personName(_ name: String, field: String = "name") -> [FieldError] {
        text(name, field: field, maximum: 200)
    }

    public static func email(_ email: String, field: String = "email") -> [FieldError] {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else {
            return [FieldError(field: field, message: "must be an email address")]
        }
        return []
    }

    public static func text(_ value: String, field: String, maximum: Int) -> [FieldError] {
        text(value, field: field, limit: TextLimit(characters: maximum))
    }

    /// How long a text may be: in characters, and where an index holds it, in bytes too. A
    /// B-tree index row holds at most 2704 bytes: 200 characters of a four-byte script are 800
    /// bytes, and a patient's index rows carry both names twice (as written and as search
    /// keys) with the MRN, so a name that fits in characters could still fail the index.
    public struct TextLimit: Sendable {
        public let characters: Int
        public let bytes: Int?

        public init(characters: Int, bytes: Int? = nil) {
            self.characters = characters
            self.bytes = bytes
        }
    }

    public static func text(_ value: String, field: String, limit: TextLimit) -> [FieldError] {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [FieldError(field: field, message: "must not be empty")] }
        if let bytes = limit.bytes, trimmed.utf8.count > bytes {
            return [
                FieldError(field: field, message: "must be at most \(limit.characters) characters and \(bytes) bytes of UTF-8")
            ]
        }
        if trimmed.count > limit.characters {
            return [FieldError(field: field, message: "must be at most \(limit.characters) characters")]
        }
        return []
    }

    /// The most one section of a note may hold, in characters as PostgreSQL counts them (code
    /// points): the limit note_versions' own CHECK keeps (migration 1), said here first, with
    /// the section's name, before any work. What a whole version may weigh in bytes, the
    /// request body's limit (1 MiB, 413) bounds.
    public static let noteSectionCharacters = 100_000

    /// Each of the four sections within `noteSectionCharacters`.
    public static func noteContent(_ content: NoteContent) -> [FieldError] {
        [("subjective", content.subjective), ("objective", content.objective), ("assessment", content.assessment),
         ("plan", content.plan)].compactMap { field, text in
            text.unicodeScalars.count > noteSectionCharacters
                ? FieldError(field: field, message: "must be at most \(noteSectionCharacters) characters") : nil
        }
    }
}
