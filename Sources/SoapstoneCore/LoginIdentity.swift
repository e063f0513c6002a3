import Foundation

/// Who a login names, written one way: the organisation's slug and the email, without the blanks
/// around them, in lower case and Unicode NFC. The user lookup, the lockout and the audit use
/// this one value, so " owner@…", "Owner@…" and "owner@…\t" are one account to each of them; a
/// new account's email is written the same way (`normalizedEmail`).
public struct LoginIdentity: Sendable, Hashable {
    /// The longest slug, email and password a login may send (RFC 1035 labels, RFC 5321 paths,
    /// `PasswordPolicy`): anything longer is refused before any work, and stored nowhere.
    public static let maximumSlugLength = 63
    public static let maximumEmailLength = 254

    public let organization: String
    public let email: String

    /// Throws `DomainError.validation` naming each field that is too long.
    public init(organization: String, email: String, password: String) throws {
        var problems: [FieldError] = []
        if Self.isLonger(organization, than: Self.maximumSlugLength) {
            problems.append(FieldError(field: "tenant", message: "must be at most \(Self.maximumSlugLength) characters"))
        }
        if Self.isLonger(email, than: Self.maximumEmailLength) {
            problems.append(FieldError(field: "email", message: "must be at most \(Self.maximumEmailLength) characters"))
        }
        if Self.isLonger(password, than: PasswordPolicy.maximumLength) {
            problems.append(FieldError(field: "password", message: "must be at most \(PasswordPolicy.maximumLength) characters"))
        }
        guard problems.isEmpty else { throw DomainError.validation(problems) }
        self.organization = Self.normalized(organization)
        self.email = Self.normalizedEmail(email)
    }

    public static func normalizedEmail(_ email: String) -> String {
        normalized(email)
    }

    static func normalized(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().precomposedStringWithCanonicalMapping
    }

    /// Counted as a person sees characters, without walking a megabyte of them to say no.
    static func isLonger(_ text: String, than maximum: Int) -> Bool {
        text.utf8.count > maximum && (text.utf8.count > 4 * maximum || text.count > maximum)
    }
}
