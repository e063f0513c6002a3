import PostgresNIO
import SoapstoneCore

/// A failure of the database, not of the request: what the HTTP layer answers 503 or 500 to.
/// Every refusal that is the client's doing is a `DomainError` by the time it leaves this
/// module (`DatabaseError.translate`); nothing above it reads a SQLSTATE.
public enum DatabaseError: Error, CustomStringConvertible {
    /// The connection failed, not the statement: the server went away, ended the session or
    /// turned the connection away. A retry on another connection may well succeed.
    case unavailable(String)
    /// The server's own role was refused (42501): the schema's grants, RLS or our SQL are
    /// wrong, never the client's request.
    case privilegeRefused(String)
    /// Anything else PostgreSQL refused that no rule here names.
    case unexpected(sqlState: String?, summary: String)
    /// A stored value this version cannot read (an enum value it does not know): never read as
    /// some default instead. Named by column and type, never by the value, which may be PHI.
    case unreadable(column: String, type: String)

    public var description: String {
        switch self {
        case .unavailable(let summary): "database unavailable: \(summary)"
        case .privilegeRefused(let summary): "42501: \(summary)"
        case .unexpected(let state, let summary): "\(state ?? "no SQLSTATE"): \(summary)"
        case .unreadable(let column, let type): "column \(column) holds a value this version cannot read as \(type)"
        }
    }

    /// The constraints whose violation is the client's mistake, by name, with what to tell the
    /// client. A constraint not named here still answers by its class below.
    static let constraints: [String: DomainError] = [
        "patients_tenant_id_mrn_identity_key": .conflict("Another patient has this MRN."),
        // The constraint before migration 26, for a database migrated back below it.
        "patients_tenant_id_mrn_key": .conflict("Another patient has this MRN."),
        "users_tenant_id_email_key": .conflict("A user with this email exists already."),
        "tenants_slug_key": .conflict("This organisation slug is taken."),
        "encounters_tenant_id_attending_user_id_fkey": .validation([
            FieldError(field: "attending_user_id", message: "is not a user of this organisation")
        ]),
    ]

    /// What PostgreSQL's refusal means to Soapstone: the one place a SQLSTATE is read.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? PostgresDecodingError {
            return DatabaseError.unreadable(column: error.columnName, type: "\(error.targetType)")
        }
        guard let error = error as? PSQLError else { return error }
        if error.isConnectionLoss { return DatabaseError.unavailable(error.serverSummary) }
        if let name = error.serverInfo?[.constraintName], let known = constraints[name] { return known }
        let summary = error.serverSummary
        switch error.sqlState {
        case "23505": return DomainError.conflict("Something with the same identifying value exists already.")
        case "23503", "23514", "22P02", "22001", "22007", "22008":
            return DomainError.validation([FieldError(field: "", message: "is not acceptable to the database")])
        // A value too large for an index row (program_limit_exceeded): the validation's byte
        // limits keep the known ones out; one that slips through is still the value's fault.
        case "54000":
            return DomainError.validation([FieldError(field: "", message: "is too large for the database to index")])
        // The database's own lifecycle and immutability triggers (migrations 1 and 4).
        case "SS001", "SS002": return DomainError.conflict("The record's lifecycle does not allow this change.")
        case "42501": return DatabaseError.privilegeRefused(summary)
        case let state: return DatabaseError.unexpected(sqlState: state, summary: summary)
        }
    }
}

extension PSQLError {
    /// The connection, not the statement, failed: the server went away, ended the session
    /// (SQLSTATE class 08, 57P01–57P03) or turned the connection away (53300).
    var isConnectionLoss: Bool {
        switch code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return true
        default:
            guard let state = sqlState else { return false }
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        }
    }
}
