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
}
