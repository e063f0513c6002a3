import SoapstoneCore

/// How many items one answer of a list carries, the same way for every list: its documented
/// default when the client names none, and a number outside 1 to its maximum a 422 on `limit`.
/// Every list is paged, so no answer grows with the data behind it (a note's versions, say,
/// which are kept for ever).
struct PageLimit {
    let defaultValue: Int
    let maximum: Int

    /// Most lists: 50 by default, at most 200.
    static let standard = PageLimit(defaultValue: 50, maximum: 200)
    /// The patient search and the drafts list: a screen's worth.
    static let patients = PageLimit(defaultValue: 20, maximum: 100)
    static let drafts = PageLimit(defaultValue: 50, maximum: 100)

    func resolve(_ requested: Int?) throws -> Int {
        let limit = requested ?? defaultValue
        guard (1...maximum).contains(limit) else {
            throw DomainError.validation([FieldError(field: "limit", message: "must be from 1 to \(maximum)")])
        }
        return limit
    }
}
