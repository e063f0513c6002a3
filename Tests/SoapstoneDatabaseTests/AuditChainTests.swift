import Crypto
import Foundation
import Logging
import PostgresNIO
import SoapstoneCore
import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

/// The audit chain (migration 29) against what a superuser can do to the rows behind the
/// triggers' back, and against the ways events reach it: late, from two sealers, across a crash.
@Suite("Audit chain")
struct AuditChainTests {
    static let logger = Logger(label: "audit-chain")

    /// The seeded clinic's id, and its chain as the owner's verifier reads it.
    static func northside(_ db: TestDatabase) async throws -> UUID {
        UUID(uuidString: try await db.value("SELECT id::text FROM tenants WHERE slug = 'northside'"))!
    }

    static func verify(_ db: TestDatabase, _ tenant: UUID, from checkpoint: String? = nil, pageSize: Int = AuditChain.pageSize)
        async throws -> AuditChain.Verification
    {
        try await db.withConnection(as: TestDatabase.owner) { connection in
            try await AuditChain.verify(tenant: tenant, fromCheckpoint: checkpoint, pageSize: pageSize, on: connection, logger: logger)
        }
    }

    static func seal(_ db: TestDatabase, late: Bool = false) async throws -> Int {
        try await db.withConnection(as: TestDatabase.server) { connection in
            try await AuditChain.seal(on: connection, settle: .zero, late: late, logger: logger)
        }
    }

    static func event(at position: Int, _ db: TestDatabase, _ tenant: UUID) async throws -> String {
        try await db.value("SELECT event_id::text FROM audit_seals WHERE tenant_id = '\(tenant)' AND position = \(position)")
    }

    /// An audit event of `tenant` written and committed as the server writes one.
    static func record(_ db: TestDatabase, _ tenant: UUID, on connection: PostgresConnection? = nil) async throws {
        let sql: PostgresQuery =
            "SELECT soapstone_record_audit(\(tenant), NULL, NULL, 'patient.list', 'patient', NULL, NULL, NULL, NULL, NULL, 'success', '{}')"
        if let connection {
            try await connection.query(sql, logger: logger)
        } else {
            try await db.withConnection(as: TestDatabase.server) { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: logger)
                try await connection.query(sql, logger: logger)
                try await connection.query("COMMIT", logger: logger)
            }
        }
    }

    /// Migration 31 made the encoding and the sealer faster and moved the hashing of a check
    /// into Swift, and migration 32 routed the sealer's INSERT for Citus: a chain sealed before
    /// them must verify after them, byte for byte, with NULLs, text in several scripts, an IPv6
    /// address and nested JSON in its events.
    @Test("A chain sealed by migration 29's functions verifies after migrations 31 and 32, odd fields and all")
    func sealedBeforeMigrations31And32Verifies() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        let migrator = Migrator(migrations: try Migration.bundled(), logger: Self.logger)
        let later = try Migration.bundled().map(\.version).filter { $0 > 30 }.sorted()
        let reverted = try await db.withConnection(as: TestDatabase.owner) { try await migrator.down(on: $0, to: 30) }
        #expect(reverted.map(\.version) == later.reversed())
        try await db.withConnection(as: TestDatabase.server) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            try await connection.query("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: Self.logger)
            try await connection.query(
                """
                SELECT soapstone_record_audit(\(tenant), NULL, 'auditor', 'audit.read', 'audit_log', NULL, NULL,
                       '2001:db8::1', 'Zoë-ärzte-診療-🩺', NULL, 'success',
                       '{"note": "a \\"quoted\\", comma", "nested": {"list": [1, "two", null]}, "count": "3"}')
                """, logger: Self.logger)
            try await connection.query(
                "SELECT soapstone_record_audit(\(tenant), NULL, NULL, 'patient.list', 'patient', NULL, NULL, '10.0.0.7', NULL, 'x', 'denied', '{}')",
                logger: Self.logger)
            try await connection.query("COMMIT", logger: Self.logger)
        }
        let sealed = try await Self.seal(db)
        #expect(sealed == 2)
        let applied = try await db.withConnection(as: TestDatabase.owner) { try await migrator.up(on: $0) }
        #expect(applied.map(\.version) == later)
        let found = try await Self.verify(db, tenant)
        #expect(found.intact, "\(String(describing: found.firstBreak))")
        #expect(found.events == Int(try await db.value("SELECT count(*)::text FROM audit_seals WHERE tenant_id = '\(tenant)'")))
        // And what 31 seals, 29's reading of the chain would have found the same: the encoding
        // and the link hash of 31 give what Swift computes, for those odd events too.
        let agree = try await db.strings(
            """
            SELECT bool_and(s.hash = audit_seal_hash(s.previous_hash, audit_event_canonical(a.id, a.tenant_id, a.occurred_at,
                       a.user_id, a.role, a.action, a.entity_type, a.entity_id, a.patient_id, a.ip, a.request_id,
                       a.client_request_id, a.outcome, a.detail)))::text
              FROM audit_seals s JOIN audit_events a ON a.tenant_id = s.tenant_id AND a.id = s.event_id
             WHERE s.tenant_id = '\(tenant)'
            """)
        #expect(agree == ["true"])
    }

    @Test("The seeded chains verify whole: every event sealed once, in positions 1…n, a checkpoint at the head")
    func seededChainsVerify() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        for slug in ["northside", "lakeview"] {
            let tenant = UUID(uuidString: try await db.value("SELECT id::text FROM tenants WHERE slug = '\(slug)'"))!
            let events = Int(try await db.value("SELECT count(*)::text FROM audit_events WHERE tenant_id = '\(tenant)'"))!
            let report = try await Self.verify(db, tenant)
            #expect(report.intact, "\(slug): \(String(describing: report.firstBreak))")
            #expect(report.events == events && events > 0)
            #expect(report.head?.position == Int64(events))
            let checkpoint = try await db.value(
                "SELECT hash FROM audit_checkpoints WHERE tenant_id = '\(tenant)' ORDER BY position DESC LIMIT 1")
            #expect(checkpoint == report.head?.hash)
            // From the kept head on, the chain still holds it.
            #expect(try await Self.verify(db, tenant, from: checkpoint).intact)
            // In pages of three links, the same walk.
            let paged = try await Self.verify(db, tenant, pageSize: 3)
            #expect(paged.intact && paged.events == events && paged.head == report.head, "\(slug): \(paged)")
        }
        // The hash is what the README says: SHA-256 of the previous hash's hex and the encoding.
        let first = try await db.value(
            """
            SELECT (s.hash = encode(sha256(convert_to(repeat('0', 64) || 'soapstone-audit-event-v1' || E'\\n'
                       || length(e.id::text) || ':' || e.id::text || E'\\n', 'UTF8')), 'hex'))::text
              FROM audit_seals s JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.id = s.event_id
             WHERE s.position = 1 LIMIT 1
            """)
        #expect(first == "false", "the encoding has every field, not the id alone")
        let recomputed = try await db.value(
            """
            SELECT (s.hash = audit_seal_hash(repeat('0', 64), audit_event_canonical(e.id, e.tenant_id, e.occurred_at,
                       e.user_id, e.role, e.action, e.entity_type, e.entity_id, e.patient_id, e.ip, e.request_id,
                       e.client_request_id, e.outcome, e.detail)))::text
              FROM audit_seals s JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.id = s.event_id
             WHERE s.position = 1 LIMIT 1
            """)
        #expect(recomputed == "true")
    }

    /// The README's encoding, written here from its words alone, gives the hash the database
    /// sealed: a third party can re-verify. An address, an accent and a NULL are in it.
    @Test("The sealed hash is the README's: SHA-256 of the previous hash and the encoding, re-computed outside the database")
    func encodingAsDocumented() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        try await db.withConnection(as: TestDatabase.server) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            try await connection.query("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: Self.logger)
            try await connection.query(
                """
                SELECT soapstone_record_audit(\(tenant), NULL, 'auditor', 'audit.read', 'audit_log', NULL, NULL,
                       '203.0.113.7', 'req-1', NULL, 'success', '{"name": "Zoë", "count": "3"}')
                """, logger: Self.logger)
            try await connection.query("COMMIT", logger: Self.logger)
        }
        #expect(try await Self.seal(db) == 1)
        let row = try await db.value(
            """
            SELECT concat_ws('|', s.previous_hash, s.hash, e.id, e.occurred_at AT TIME ZONE 'UTC') FROM audit_seals s
              JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.id = s.event_id
             WHERE s.tenant_id = '\(tenant)' ORDER BY s.position DESC LIMIT 1
            """
        ).split(separator: "|").map(String.init)
        // occurred_at as UTC with six digits of fraction (PostgreSQL drops trailing zeros).
        let time = row[3].replacingOccurrences(of: " ", with: "T")
        let (seconds, fraction) = time.contains(".")
            ? (String(time.split(separator: ".")[0]), String(time.split(separator: ".")[1])) : (time, "")
        let field = { (text: String?) -> String in text.map { "\($0.utf8.count):\($0)\n" } ?? "~\n" }
        let encoding = "soapstone-audit-event-v1\n" + [
            row[2], tenant.uuidString.lowercased(), seconds + "." + fraction.padding(toLength: 6, withPad: "0", startingAt: 0) + "Z",
            nil, "auditor", "audit.read", "audit_log", nil, nil, "203.0.113.7/32", "req-1", nil, "success",
            #"{"name": "Zoë", "count": "3"}"#,
        ].map(field).joined()
        let hash = SHA256.hash(data: Data((row[0] + encoding).utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(hash == row[1], "re-computed \(hash), sealed \(row[1]) for:\n\(encoding)")
    }

    @Test("A head kept outside the database: a chain through it verifies, one that no longer holds it is broken")
    func keptHead() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        let head = try await db.value("SELECT hash FROM audit_seals WHERE tenant_id = '\(tenant)' AND position = 3")
        #expect(try await Self.verify(db, tenant, from: head).intact)
        let stranger = String(repeating: "ab", count: 32)
        let report = try await Self.verify(db, tenant, from: stranger)
        #expect(report.firstBreak?.kind == .missing, "\(String(describing: report.firstBreak))")
    }

    @Test("A superuser's change, deletion, insertion, swap or cut of the tail is found, each as its first break")
    func tamperingIsFound() async throws {
        typealias Kind = AuditChain.Verification.Break.Kind
        let cases: [(name: String, sql: (UUID, String) -> String, position: Int64, kind: Kind, names: Bool)] = [
            ("change a field", { _, event in "UPDATE audit_events SET action = 'patient.read' WHERE id = '\(event)'" }, 5, .changed, true),
            // The verifier finds events by their seals' times: one moved in time is still found, as changed.
            (
                "change an event's time",
                { _, event in "UPDATE audit_events SET occurred_at = '2001-01-01T00:00:00Z' WHERE id = '\(event)'" }, 5,
                .changed, true
            ),
            ("delete an event", { _, event in "DELETE FROM audit_events WHERE id = '\(event)'" }, 5, .missing, true),
            (
                "delete an event and its seal",
                { tenant, event in
                    "WITH s AS (DELETE FROM audit_seals WHERE tenant_id = '\(tenant)' AND event_id = '\(event)') DELETE FROM audit_events WHERE id = '\(event)'"
                }, 5, .missing, false
            ),
            (
                "swap two links",
                { tenant, _ in
                    """
                    UPDATE audit_seals SET position = 999999 WHERE tenant_id = '\(tenant)' AND position = 5;
                    UPDATE audit_seals SET position = 5 WHERE tenant_id = '\(tenant)' AND position = 6;
                    UPDATE audit_seals SET position = 6 WHERE tenant_id = '\(tenant)' AND position = 999999
                    """
                }, 5, .reordered, true
            ),
            (
                "insert an event behind the chain",
                { tenant, _ in
                    """
                    INSERT INTO audit_events (tenant_id, occurred_at, action, entity_type, outcome)
                    SELECT '\(tenant)', min(occurred_at) - interval '1 hour', 'patient.read', 'patient', 'success'
                      FROM audit_events WHERE tenant_id = '\(tenant)'
                    """
                }, 1, .inserted, true
            ),
        ]
        for tampering in cases {
            let db = try await TestCluster.shared.makeDatabase(.seeded)
            let tenant = try await Self.northside(db)
            let event = try await Self.event(at: 5, db, tenant)
            #expect(try await Self.verify(db, tenant).intact)
            try await db.tamper(tampering.sql(tenant, event))
            // In one page, and in pages of two links (position 5 the first of the third page).
            for pageSize in [AuditChain.pageSize, 2] {
                let report = try await Self.verify(db, tenant, pageSize: pageSize)
                let name = "\(tampering.name), \(pageSize) a page"
                #expect(report.firstBreak?.position == tampering.position, "\(name): \(String(describing: report.firstBreak))")
                #expect(report.firstBreak?.kind == tampering.kind, "\(name): \(String(describing: report.firstBreak))")
                if tampering.names { #expect(report.firstBreak?.eventID != nil, "\(name) names the event") }
                #expect(report.events == Int(tampering.position) - 1, "\(name): the links before the break")
            }
            // The other clinic's chain is untouched.
            let other = UUID(uuidString: try await db.value("SELECT id::text FROM tenants WHERE slug = 'lakeview'"))!
            #expect(try await Self.verify(db, other).intact)
        }
        // The tail cut off, seals and events: only the checkpoint the sealer kept at the head shows it.
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        let head = Int64(try await db.value("SELECT max(position)::text FROM audit_seals WHERE tenant_id = '\(tenant)'"))!
        try await db.tamper(
            """
            WITH s AS (DELETE FROM audit_seals WHERE tenant_id = '\(tenant)' AND position >= \(head - 1) RETURNING event_id)
            DELETE FROM audit_events WHERE id IN (SELECT event_id FROM s)
            """)
        let cut = try await Self.verify(db, tenant)
        #expect(cut.firstBreak?.position == head - 1 && cut.firstBreak?.kind == .missing, "\(String(describing: cut.firstBreak))")
        // A seal's copy of its event's time is where the verifier looks, not evidence: moved (and
        // read a link a page, its time the page's whole window), the event is still found by its
        // id and the chain before the cut holds.
        try await db.tamper(
            "UPDATE audit_seals SET event_occurred_at = '2101-01-01T00:00:00Z' WHERE tenant_id = '\(tenant)' AND position = 3")
        let moved = try await Self.verify(db, tenant, pageSize: 1)
        #expect(moved.firstBreak?.position == head - 1 && moved.events == Int(head) - 2, "\(String(describing: moved.firstBreak))")
        // Three seals of one page moved alike: each of their events is read by id in turn, the
        // page's other links after each, and the walk goes on to the same break.
        try await db.tamper(
            "UPDATE audit_seals SET event_occurred_at = '2101-01-01T00:00:00Z' WHERE tenant_id = '\(tenant)' AND position BETWEEN 4 AND 6")
        let movedPage = try await Self.verify(db, tenant, pageSize: 3)
        #expect(
            movedPage.firstBreak?.position == head - 1 && movedPage.events == Int(head) - 2,
            "\(String(describing: movedPage.firstBreak))")
    }

    @Test("An event that commits after newer ones were sealed is sealed by the late pass, never skipped")
    func lateCommitIsSealed() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        let late = try await db.withConnection(as: TestDatabase.server) { slow in
            // A transaction starts, writes its event, and stays open while a newer one commits and is sealed.
            try await slow.query("BEGIN", logger: Self.logger)
            try await slow.query("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: Self.logger)
            try await Self.record(db, tenant, on: slow)
            try await Task.sleep(for: .milliseconds(20))
            try await Self.record(db, tenant)
            #expect(try await Self.seal(db) == 1)
            try await slow.query("COMMIT", logger: Self.logger)
            return try await db.value(
                """
                SELECT id::text FROM audit_events e WHERE tenant_id = '\(tenant)'
                   AND NOT EXISTS (SELECT FROM audit_seals s WHERE s.tenant_id = e.tenant_id AND s.event_id = e.id)
                """)
        }
        #expect(try await Self.seal(db) == 0, "the ordinary pass seals onward from the newest sealed only")
        #expect(try await Self.seal(db, late: true) == 1)
        let position = try await db.value("SELECT position::text FROM audit_seals WHERE event_id = '\(late)'")
        #expect(position == (try await db.value("SELECT max(position)::text FROM audit_seals WHERE tenant_id = '\(tenant)'")))
        let report = try await Self.verify(db, tenant)
        #expect(report.intact)
        #expect(report.events == Int(try await db.value("SELECT count(*)::text FROM audit_events WHERE tenant_id = '\(tenant)'"))!)
    }

    @Test("Sealers at once make one chain; a sealer that dies mid-seal loses nothing")
    func concurrentSealersAndACrash() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        for _ in 0..<300 { try await Self.record(db, tenant) }
        let sealed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var total = 0
                    for _ in 0..<5 { total += try await Self.seal(db) }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(sealed == 300)
        #expect(try await db.value("SELECT (count(DISTINCT event_id) = count(*) AND max(position) = count(*))::text FROM audit_seals WHERE tenant_id = '\(tenant)'") == "true")

        // A sealer killed between its seals and its commit: its seals go with it, and the next seals them.
        for _ in 0..<50 { try await Self.record(db, tenant) }
        let before = try await db.value("SELECT count(*)::text FROM audit_seals WHERE tenant_id = '\(tenant)'")
        let killedMidSeal = try? await db.withConnection(as: TestDatabase.server) { doomed in
            try await doomed.query("BEGIN", logger: Self.logger)
            let sealing = try await doomed.query(
                "SELECT audit_seal(\(tenant), interval '0', false, 1000)", logger: Self.logger
            ).collect()[0].decode(Int32.self)
            let pid = try await doomed.query("SELECT pg_backend_pid()", logger: Self.logger).collect()[0].decode(Int32.self)
            _ = try await db.strings("SELECT pg_terminate_backend(\(pid))::text")
            return sealing
        }
        #expect(killedMidSeal == nil || killedMidSeal == 50, "the doomed sealer had sealed the 50 in its transaction")
        #expect(try await db.value("SELECT count(*)::text FROM audit_seals WHERE tenant_id = '\(tenant)'") == before)
        #expect(try await Self.seal(db) == 50)
        let report = try await Self.verify(db, tenant)
        #expect(report.intact)
        #expect(report.events == Int(try await db.value("SELECT count(*)::text FROM audit_events WHERE tenant_id = '\(tenant)'"))!)
    }

    @Test("The server's role may run the sealer, never write a seal or checkpoint itself")
    func serverCannotForgeSeals() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let tenant = try await Self.northside(db)
        let event = try await Self.event(at: 1, db, tenant)
        let refused: String? = try await db.withConnection(as: TestDatabase.server) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            try await connection.query("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: Self.logger)
            do {
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO audit_seals (tenant_id, position, event_id, event_occurred_at, previous_hash, hash)
                            VALUES ('\(tenant)', 999999, '\(event)', now(), repeat('0', 64), repeat('0', 64))
                            """), logger: Self.logger)
                return nil
            } catch let error as PSQLError {
                return error.sqlState
            }
        }
        #expect(refused == "42501")
    }
}
