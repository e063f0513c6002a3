import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

/// The note lifecycle as the database enforces it (migration 4's triggers), for any client: the
/// server's role and the owner alike. Each attempt names the refusal it must get, so a test
/// cannot pass on another constraint that happens to refuse the same statement. The tenant is
/// set as the server sets it (`soapstone_set_tenant`): on Citus only that reaches the workers,
/// where a bare `set_config` would leave every row hidden and each refusal untested.
@Suite("Note lifecycle in the database")
struct NoteLifecycleTriggerTests {
    @Test("A signed note changes only by amendment, whoever writes the SQL")
    func signedNoteRefusesChange() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let signed = try await db.value("SELECT id::text FROM notes WHERE status = 'signed' LIMIT 1")
        let tenant = try await db.value("SELECT tenant_id::text FROM notes WHERE id = '\(signed)'")
        let author = try await db.value("SELECT author_id::text FROM notes WHERE id = '\(signed)'")
        let next = try await db.value("SELECT (current_version + 1)::text FROM notes WHERE id = '\(signed)'")
        let attempts: [(sql: String, state: String)] = [
            ("UPDATE notes SET current_version = current_version + 1 WHERE id = '\(signed)'", "SS002"),
            ("UPDATE notes SET status = 'draft' WHERE id = '\(signed)'", "SS002"),
            ("UPDATE notes SET signed_at = now() WHERE id = '\(signed)'", "SS002"),
            (
                "INSERT INTO note_versions (tenant_id, note_id, version, author_id) VALUES ('\(tenant)', '\(signed)', \(next), '\(author)')",
                "SS002"
            ),
        ]
        let logger = Logger(label: "lifecycle")
        for role in [TestDatabase.server, TestDatabase.owner] {
            for attempt in attempts {
                let state: String? = try await db.withConnection(as: role) { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SELECT soapstone_set_tenant(\(tenant)::uuid, NULL)", logger: logger)
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: attempt.sql), logger: logger)
                        try await connection.query("ROLLBACK", logger: logger)
                        return nil
                    } catch let error as PSQLError {
                        try await connection.query("ROLLBACK", logger: logger)
                        return error.sqlState
                    }
                }
                #expect(state == attempt.state, "\(role): \(attempt.sql) gave \(state ?? "success")")
            }
        }
    }

    /// Migration 19 replaced the note's keys to its versions (a cycle Citus cannot distribute)
    /// with a deferred trigger: the same refusal, at commit, for the same mistakes.
    @Test("A note points at versions of its own, checked at commit, whoever writes the SQL")
    func notePointsAtOwnVersion() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let draft = try await db.value("SELECT id::text FROM notes WHERE status = 'draft' LIMIT 1")
        let tenant = try await db.value("SELECT tenant_id::text FROM notes WHERE id = '\(draft)'")
        let encounter = try await db.value("SELECT encounter_id::text FROM notes WHERE id = '\(draft)'")
        let patient = try await db.value("SELECT patient_id::text FROM notes WHERE id = '\(draft)'")
        let author = try await db.value("SELECT author_id::text FROM notes WHERE id = '\(draft)'")
        let attempts: [(sql: String, constraint: String)] = [
            // A draft may move to its next version, but only with that version written.
            ("UPDATE notes SET current_version = current_version + 1 WHERE id = '\(draft)'", "notes_current_version_exists"),
            (
                """
                INSERT INTO notes (tenant_id, encounter_id, patient_id, status, current_version, author_id)
                VALUES ('\(tenant)', '\(encounter)', '\(patient)', 'draft', 1, '\(author)')
                """, "notes_current_version_exists"
            ),
        ]
        let logger = Logger(label: "lifecycle")
        for role in [TestDatabase.server, TestDatabase.owner] {
            for attempt in attempts {
                let refusal: (state: String?, constraint: String?)? = try await db.withConnection(as: role) { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SELECT soapstone_set_tenant(\(tenant)::uuid, NULL)", logger: logger)
                    try await connection.query(PostgresQuery(unsafeSQL: attempt.sql), logger: logger)
                    do {
                        try await connection.query("COMMIT", logger: logger)
                        return nil
                    } catch let error as PSQLError {
                        return (error.sqlState, error.serverInfo?[.constraintName])
                    }
                }
                #expect(refusal?.state == "23503", "\(role): \(attempt.sql) gave \(refusal?.state ?? "success")")
                #expect(refusal?.constraint == attempt.constraint, "\(role): \(attempt.sql)")
            }
        }
        #expect(try await db.value("SELECT count(*)::text FROM notes n WHERE NOT EXISTS (SELECT FROM note_versions v WHERE v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version)") == "0")
    }

    /// Migration 28: a version saved with its writer's merge still open is not signed, whoever
    /// writes the SQL; the same signature of an unmarked version goes through (the control).
    @Test("A draft is not signed at a version saved with a conflict unresolved, whoever writes the SQL")
    func unresolvedVersionIsNotSigned() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let draft = try await db.value("SELECT id::text FROM notes WHERE status = 'draft' LIMIT 1")
        let tenant = try await db.value("SELECT tenant_id::text FROM notes WHERE id = '\(draft)'")
        let physician = try await db.value("SELECT id::text FROM users WHERE tenant_id = '\(tenant)' AND role = 'physician' LIMIT 1")
        let logger = Logger(label: "lifecycle")
        for role in [TestDatabase.server, TestDatabase.owner] {
            for unresolved in [true, false] {
                let refusal: String? = try await db.withConnection(as: role) { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SELECT soapstone_set_tenant(\(tenant)::uuid, NULL)", logger: logger)
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "UPDATE notes SET current_version = current_version + 1 WHERE id = '\(draft)'"),
                        logger: logger)
                    try await connection.query(
                        PostgresQuery(
                            unsafeSQL: """
                                INSERT INTO note_versions (tenant_id, note_id, version, subjective, author_id, unresolved_conflict)
                                SELECT tenant_id, id, current_version, 'mine', '\(physician)', \(unresolved) FROM notes WHERE id = '\(draft)'
                                """), logger: logger)
                    do {
                        try await connection.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    UPDATE notes n SET status = 'signed', signed_by = '\(physician)', signed_at = now(),
                                           signed_version = n.current_version, signed_sha256 = v.sha256
                                      FROM note_versions v
                                     WHERE n.id = '\(draft)' AND v.tenant_id = n.tenant_id AND v.note_id = n.id
                                       AND v.version = n.current_version
                                    """), logger: logger)
                        try await connection.query("ROLLBACK", logger: logger)
                        return nil
                    } catch let error as PSQLError {
                        try await connection.query("ROLLBACK", logger: logger)
                        return "\(error.sqlState ?? "?") \(error.serverInfo?[.message] ?? "")"
                    }
                }
                if unresolved {
                    #expect(refusal?.hasPrefix("SS002") == true, "\(role): \(refusal ?? "signed")")
                    #expect(refusal?.contains("conflict unresolved") == true, "\(role): \(refusal ?? "signed")")
                } else {
                    #expect(refusal == nil, "\(role): the control was refused: \(refusal ?? "")")
                }
            }
        }
    }
}
