import Foundation

/// The rules a patient record must meet, reported per field.
public enum PatientValidation {
    /// The MRN and both names are in the search indexes (migrations 7 and 14), each twice: the
    /// bytes keep their index rows within PostgreSQL's limit whatever the script.
    public static let mrn = Validation.TextLimit(characters: 64, bytes: 128)
    public static let name = Validation.TextLimit(characters: 200, bytes: 400)

    public static func problems(of details: PatientDetails) -> [FieldError] {
        var problems = Validation.text(details.mrn, field: "mrn", limit: mrn)
        problems += Validation.text(details.givenName, field: "given_name", limit: name)
        problems += Validation.text(details.familyName, field: "family_name", limit: name)
        problems += birthDate(details.birthDate)
        problems += optionalParts(phone: details.phone, email: details.email, address: details.address)
        return problems
    }

    public static func problems(
        of changes: (
            mrn: String?, given: String?, family: String?, birthDate: String?, phone: String?, email: String?, address: Address?
        )
    ) -> [FieldError] {
        var problems: [FieldError] = []
        if let value = changes.mrn { problems += Validation.text(value, field: "mrn", limit: mrn) }
        if let given = changes.given { problems += Validation.text(given, field: "given_name", limit: name) }
        if let family = changes.family { problems += Validation.text(family, field: "family_name", limit: name) }
        if let date = changes.birthDate { problems += birthDate(date) }
        problems += optionalParts(phone: changes.phone, email: changes.email, address: changes.address ?? Address())
        return problems
    }

    /// A calendar date, YYYY-MM-DD, from 1850 to today.
    static func birthDate(_ text: String) -> [FieldError] {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let date = DateComponents(
                calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: year, month: month,
                day: day
            ).date,
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date).day == day
        else {
            return [FieldError(field: "birth_date", message: "must be a date written YYYY-MM-DD")]
        }
        guard year >= 1850, date <= Date() else {
            return [FieldError(field: "birth_date", message: "must be between 1850-01-01 and today")]
        }
        return []
    }

    static func optionalParts(phone: String?, email: String?, address: Address) -> [FieldError] {
        var problems: [FieldError] = []
        if let phone, phone.count > 50 { problems.append(FieldError(field: "phone", message: "must be at most 50 characters")) }
        if let email, !email.isEmpty { problems += Validation.email(email) }
        if let country = address.country, !(country.count == 2 && country.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }))
        {
            problems.append(FieldError(field: "address.country", message: "must be an ISO 3166-1 alpha-2 code, e.g. US"))
        }
        for (value, field, maximum) in [
            (address.line, "address.line", 500), (address.city, "address.city", 200), (address.region, "address.region", 200),
            (address.postalCode, "address.postal_code", 20),
        ] {
            if let value, value.count > maximum {
                problems.append(FieldError(field: field, message: "must be at most \(maximum) characters"))
            }
        }
        return problems
    }
}
