/// What one statement of a matrix case did: the rows it wrote, or the SQLSTATE it was refused
/// with (the isolation and restriction matrices).
enum StatementOutcome: Equatable, CustomStringConvertible {
    case rows(Int)
    case refused(sqlState: String)

    var description: String {
        switch self {
        case .rows(let count): "\(count) rows"
        case .refused(let state): "refused (\(state))"
        }
    }

    var wasRefused: Bool { if case .refused = self { true } else { false } }
}
