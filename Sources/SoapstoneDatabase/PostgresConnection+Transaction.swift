import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT, rolling back when it throws. Unlike PostgresNIO's
    /// `withTransaction`, the error that reaches the caller is the body's own (a `PSQLError`
    /// with its SQLSTATE), so one mapping can turn it into a domain error.
    func inTransaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await run("BEGIN", logger: logger)
        do {
            let result = try await body(self)
            try await run("COMMIT", logger: logger)
            return result
        } catch {
            // A failed ROLLBACK means the connection is gone, and the pool drops it; the body's
            // error is the one worth reporting.
            try? await run("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Runs a statement whose rows nobody needs to its end. PostgresNIO reports an error that
    /// comes after the statement's first answer (a function that fails as it runs, a deferred
    /// check at COMMIT) only to whoever reads the rows: a result dropped unread is an error
    /// never seen.
    func run(_ statement: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await query(statement, logger: logger) {}
    }

    /// Runs one statement and answers how many rows it wrote (INSERT, UPDATE, DELETE).
    @discardableResult
    func execute(_ statement: PostgresQuery, logger: Logger) async throws -> Int {
        let result: PostgresQueryResult = try await query(statement, logger: logger).get()
        return result.metadata.rows ?? 0
    }
}

extension PSQLError {
    /// The five-character SQLSTATE the server sent, if the server sent the error.
    public var sqlState: String? { serverInfo?[.sqlState] }

    /// "SQLSTATE message (detail)": for operators and logs, never for HTTP clients.
    public var serverSummary: String {
        guard let info = serverInfo else { return "\(code)" }
        var text = "\(info[.sqlState] ?? "?????") \(info[.message] ?? "")"
        if let detail = info[.detail] { text += " (\(detail))" }
        return text
    }
}
