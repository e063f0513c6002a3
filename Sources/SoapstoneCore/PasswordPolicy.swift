/// The rules a new password must meet: 12 to 128 characters (any Unicode, counted as a person
/// sees them), not on the list of common passwords, not the email, and in production not the
/// published development password.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 12
    public static let maximumLength = 128

    let commonPasswords: Set<String>
    public let isProduction: Bool

    public init(commonPasswords: Set<String>, isProduction: Bool) {
        self.commonPasswords = commonPasswords
        self.isProduction = isProduction
    }

    /// Problems with `password`, reported on `field`; empty when it is acceptable.
    public func problems(with password: String, email: String, field: String = "password") -> [FieldError] {
        if password.count < Self.minimumLength {
            return [FieldError(field: field, message: "must be at least \(Self.minimumLength) characters")]
        }
        if password.count > Self.maximumLength {
            return [FieldError(field: field, message: "must be at most \(Self.maximumLength) characters")]
        }
        let folded = password.lowercased()
        if commonPasswords.contains(folded) {
            return [FieldError(field: field, message: "is too common; choose a longer, less predictable one")]
        }
        if folded == email.lowercased() || folded == email.lowercased().split(separator: "@").first.map(String.init) {
            return [FieldError(field: field, message: "must not be the email address")]
        }
        if DevelopmentAccounts.isRefused(password, isProduction: isProduction) {
            return [FieldError(field: field, message: "is the published development password")]
        }
        return []
    }
}
