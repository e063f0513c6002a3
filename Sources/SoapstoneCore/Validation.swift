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
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [FieldError(field: field, message: "must not be empty")] }
        if trimmed.count > maximum { return [FieldError(field: field, message: "must be at most \(maximum) characters")] }
        return []
    }
}
