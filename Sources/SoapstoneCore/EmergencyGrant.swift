import Foundation

/// Break the glass: a user's access to one restricted patient, with the reason they gave, until
/// it expires; reviewed afterwards by an admin or an auditor other than its holder.
public struct EmergencyGrant: Sendable, Hashable {
    public let id: UUID
    public let patientID: UUID
    public let userID: UUID
    public let reason: String
    public let grantedAt: Date
    public let expiresAt: Date
    public let review: Review?

    public struct Review: Sendable, Hashable {
        public let reviewerID: UUID
        public let reviewedAt: Date
        public let outcome: Outcome
        public let note: String?

        public init(reviewerID: UUID, reviewedAt: Date, outcome: Outcome, note: String?) {
            (self.reviewerID, self.reviewedAt, self.outcome, self.note) = (reviewerID, reviewedAt, outcome, note)
        }
    }

    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case justified
        case notJustified = "not_justified"
    }

    public init(
        id: UUID, patientID: UUID, userID: UUID, reason: String, grantedAt: Date, expiresAt: Date, review: Review?
    ) {
        (self.id, self.patientID, self.userID, self.reason) = (id, patientID, userID, reason)
        (self.grantedAt, self.expiresAt, self.review) = (grantedAt, expiresAt, review)
    }

    /// A reason must say something (10 to 500 characters after trimming); so the database checks too.
    public static let reasonLength = 10...500
    /// How long a clinic's grants last, in minutes: at most eight hours (the database checks too).
    public static let expiryMinutes = 1...480
}
