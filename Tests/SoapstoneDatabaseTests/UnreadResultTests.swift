import Foundation
import Testing

/// PostgresNIO reports a statement's error when its rows are read, so a result nobody reads
/// drops the error with it: `scale distribute` once said it had placed tables Citus refused.
/// A statement whose rows are not needed goes through `run`, which reads it to its end; every
/// other `query(` in the sources is consumed where it is made.
@Suite("Unread results")
struct UnreadResultTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The statements of `text` that call `query(` and drop what it answers: a bare
    /// `try await ….query(…)`, or one assigned to `_`, with no `.collect()`, `.decode(` or
    /// `.get()` after the call. Answers each one's line number.
    static func unreadQueries(in text: String) -> [Int] {
        let lines = text.components(separatedBy: "\n")
        var found: [Int] = []
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            let prefix = ["try await ", "_ = try await ", "let _ = try await "].first { line.hasPrefix($0) }
            // The statement's own call is the query (not a call that takes one as an argument).
            let callee = prefix.map { line.dropFirst($0.count).prefix { $0 != "(" } }
            guard let callee, callee.hasSuffix(".query") else {
                index += 1
                continue
            }
            // The whole statement: to the parenthesis that closes the call, then any chained calls.
            var statement = line
            var depth = line.filter { $0 == "(" }.count - line.filter { $0 == ")" }.count
            var end = index
            while depth > 0 && end + 1 < lines.count {
                end += 1
                statement += lines[end]
                depth += lines[end].filter { $0 == "(" }.count - lines[end].filter { $0 == ")" }.count
            }
            while end + 1 < lines.count && lines[end + 1].trimmingCharacters(in: .whitespaces).hasPrefix(".") {
                end += 1
                statement += lines[end].trimmingCharacters(in: .whitespaces)
            }
            let consumed = [").collect()", ").decode(", ").get()"].contains { statement.contains($0) }
            if !consumed { found.append(index + 1) }
            index = end + 1
        }
        return found
    }

    @Test("The check finds a dropped result, and passes one that is read")
    func checkFindsDroppedResults() {
        let dropped = """
            try await connection.query("SELECT create_reference_table('public.tenants')", logger: logger)
            _ = try await tx.query(
                "UPDATE notes SET status = 'signed'")
            """
        #expect(Self.unreadQueries(in: dropped) == [1, 2])
        let read = """
            let rows = try await connection.query("SELECT 1", logger: logger)
            _ = try await connection.query(
                "SELECT 2", logger: logger
            ).collect()
            try await connection.query("SELECT 3", logger: logger).get()
            for try await row in try await tx.query("SELECT 4") {}
            try await notes(tx.query("SELECT 5")).first
            """
        #expect(Self.unreadQueries(in: read).isEmpty)
    }

    @Test("No statement in the sources drops its result unread")
    func noUnreadResults() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50, "read \(files.count) files under \(Self.sources.path)")
        for file in files {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            for line in Self.unreadQueries(in: text) {
                Issue.record("Sources/\(file):\(line) drops a statement's result unread: use run, or read it")
            }
        }
    }
}
