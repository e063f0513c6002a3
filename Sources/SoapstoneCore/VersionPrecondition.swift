/// Which version of a note a change is based on, as the client's If-Match says (RFC 9110
/// section 13.1.1): any current version (`*`, or no If-Match where none is required), or one of
/// the listed ones. A change whose precondition the note does not meet is refused as stale.
public enum VersionPrecondition: Sendable, Hashable {
    case any
    /// Empty when no entity tag of the header names a version: nothing matches it.
    case oneOf([Int])

    public func admits(_ version: Int) -> Bool {
        switch self {
        case .any: true
        case .oneOf(let versions): versions.contains(version)
        }
    }

    /// The versions, or nil when any will do: the form the SQL compares with.
    public var versions: [Int]? {
        if case .oneOf(let versions) = self { versions } else { nil }
    }
}
