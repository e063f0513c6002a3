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
            // error is the one worth reporting. A closed connection's transaction ended with it.
            if !isClosed { try? await run("ROLLBACK", logger: logger) }
            throw error
        }
    }

    /// Throws when the connection has closed. A statement written to a closed connection is
    /// never answered: PostgresNIO 1.33.2 writes it with no promise, and the closed channel
    /// has no handler left to fail the statement's own, so its caller would wait for ever (a
    /// ROLLBACK after PostgreSQL was killed held requests so). Called before every statement
    /// of a request; the serving pools run a request on its connection's event loop, where
    /// nothing can close the connection between this check and the write.
    func requireOpen() throws {
        if isClosed { throw DatabaseError.unavailable("the connection to PostgreSQL has closed") }
    }

    /// Runs a statement whose rows nobody needs to its end. PostgresNIO reports an error that
    /// comes after the statement's first answer (a function that fails as it runs, a deferred
    /// check at COMMIT) only to whoever reads the rows: a result dropped unread is an error
    /// never seen.
    package func run(_ statement: PostgresQuery, logger: Logger) async throws {
        try requireOpen()
        for try await _ in try await query(statement, logger: logger) {}
    }

    /// Runs one statement and answers how many rows it wrote (INSERT, UPDATE, DELETE).
    @discardableResult
    package func execute(_ statement: PostgresQuery, logger: Logger) async throws -> Int {
        try requireOpen()
        let result: PostgresQueryResult = try await query(statement, logger: logger).get()
        return result.metadata.rows ?? 0
    }
}

extension PSQLError {
    /// The five-character SQLSTATE the server sent, if the server sent the error.
    public var sqlState: String? { serverInfo?[.sqlState] }

    /// "SQLSTATE message (detail)": for operators and logs, never for HTTP clients.
    public var serverSummary: String {
        guard let info = serverInfo else { return underlying.map { "\(code): \($0)" } ?? "\(code)" }
        var text = "\(info[.sqlState] ?? "?????") \(info[.message] ?? "")"
        if let detail = info[.detail] { text += " (\(detail))" }
        return text
    }
}
