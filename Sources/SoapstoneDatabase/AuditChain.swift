import Crypto
import Foundation
import Logging
import PostgresNIO

/// Each tenant's audit chain (migration 29): sealing committed events into it, and walking it
/// to prove that nothing sealed was changed, removed, added or moved. Both run outside any
/// request: the sealer in the background of every server instance, the verifier from
/// `soapstone audit verify` (as the owner) or `GET /v1/audit-events/verification` (as the
/// server, for the caller's tenant). Every statement names its tenant.
public enum AuditChain {
    /// Links read per round trip while verifying, unless told otherwise.
    public static let pageSize = 10_000

    /// How a tenant's chain stands.
    public struct Verification: Sendable, Equatable {
        /// The chain's last link.
        public struct Head: Sendable, Equatable {
            public let position: Int64
            public let hash: String
            public let sealedAt: Date
        }

        /// Where the chain first stops proving its history.
        public struct Break: Sendable, Equatable {
            public enum Kind: String, Sendable {
                /// The sealed event (or its seal) no longer gives the sealed hash.
                case changed
                /// A sealed event, or a link, is gone.
                case missing
                /// An event sits behind the sealed ones that no seal covers and that no
                /// transaction could have committed so late.
                case inserted
                /// Links are intact each by itself, but not in their place.
                case reordered
            }
            public let position: Int64
            public let eventID: UUID?
            public let kind: Kind
        }

        /// Links walked.
        public internal(set) var events: Int = 0
        /// Events not sealed yet (committed in the last seconds, or added behind the chain's
        /// back when `firstBreak` says `inserted`), and when the oldest of them happened.
        public internal(set) var unsealed: Int = 0
        public internal(set) var oldestUnsealedAt: Date?
        public internal(set) var head: Head?
        public internal(set) var firstBreak: Break?
        public var intact: Bool { firstBreak == nil }
    }

    /// Every organisation, by id and slug, through `audit_tenants` (no tenant context needed).
    public static func tenants(on connection: PostgresConnection, logger: Logger) async throws -> [(id: UUID, slug: String)] {
        var tenants: [(id: UUID, slug: String)] = []
        try connection.requireOpen()
        let rows = try await connection.query("SELECT tenant_id, slug FROM audit_tenants()", logger: logger)
        for try await (id, slug) in rows.decode((UUID, String).self) { tenants.append((id, slug)) }
        return tenants
    }

    /// Seals what every tenant has committed and not sealed yet (see `audit_seal`): events at
    /// least `settle` old, and with `late` those that committed after newer ones were sealed.
    /// A tenant whose sealing fails is logged and left for the next round; the others are
    /// sealed. Stops between batches when its task is cancelled (the server shutting down).
    /// Answers how many events were sealed.
    public static func seal(
        on connection: PostgresConnection, settle: Duration, late: Bool, batch: Int = 1000, logger: Logger
    ) async throws -> Int {
        var sealed = 0
        let settleSeconds = Double(settle.components.seconds) + Double(settle.components.attoseconds) / 1e18
        try connection.requireOpen()
        for tenant in try await tenants(on: connection, logger: logger) {
            do {
                while true {
                    try Task.checkCancellation()
                    let count = try await reading(
                        "SELECT audit_seal(\(tenant.id), make_interval(secs => \(settleSeconds)), \(late), \(Int32(batch)))",
                        on: connection, logger: logger
                    ) { rows in
                        var count = 0
                        for try await value in rows.decode(Int32.self) { count = Int(value) }
                        return count
                    }
                    sealed += count
                    if count < batch { break }
                }
            } catch let error as PSQLError {
                logger.warning(
                    "sealing an organisation's audit events failed; next round",
                    metadata: ["tenant_id": "\(tenant.id)", "error": "\(error.serverSummary)"])
            }
        }
        return sealed
    }

    /// Walks `tenant`'s chain from its first link, re-computing every hash and comparing each
    /// stored checkpoint with it, and looks for events added behind it; stops at the first
    /// break. With `kept`, the hash of a head the clinic kept outside the database, the chain
    /// must also still pass through that head: history rewritten before it, and every hash
    /// after re-computed to match, changes the head and is reported at the head's position.
    /// Reads `pageSize` links per statement (at least one, at most what a LIMIT takes).
    public static func verify(
        tenant: UUID, fromCheckpoint kept: String? = nil, pageSize page: Int = pageSize, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Verification {
        precondition((1...Int(Int32.max)).contains(page), "a page of the chain holds at least one link")
        var walk = Walk(
            checkpoints: try await storedCheckpoints(of: tenant, on: connection, logger: logger),
            kept: kept.map { Array($0.lowercased().utf8) })
        var rows = try await links(of: tenant, from: 1, count: page, on: connection, logger: logger)
        while !walk.ended {
            // PostgreSQL reads the next page while this one is hashed here: a page's rows come
            // only once its join and sort are done, and each side would otherwise wait for the
            // other. The next page starts where this one ends if it holds no break; if it
            // does, the page read ahead is left unused.
            let full = rows.count == page
            let start = walk.position + Int64(rows.count)
            async let following = full ? links(of: tenant, from: start, count: page, on: connection, logger: logger) : []
            var next = rows.startIndex
            func follow() throws {
                while next < rows.endIndex && !walk.ended && walk.absent == nil {
                    try walk.follow(rows[next], exact: false)
                    next += 1
                }
            }
            try follow()
            let ahead = try await following
            while let absent = walk.absent {
                // The page found no event beside this seal in its time window: the one link
                // read again by the event's id alone decides whether the event is gone or was
                // changed (its time with the rest), and the walk goes on from there.
                walk = try await reading(link(of: tenant, at: absent), as: tenant, on: connection, logger: logger) {
                    [walk] rows in
                    var walk = walk
                    walk.absent = nil
                    for try await row in rows { try walk.follow(row, exact: true) }
                    if !walk.ended && walk.position == absent { walk.broken(.init(position: absent, eventID: nil, kind: .missing)) }
                    return walk
                }
                try follow()
            }
            if !full { walk.ended = true }
            rows = ahead
        }
        var result = walk.result
        result.head = try walk.head()
        // A checkpoint beyond the chain's end: links after the head were removed.
        if result.firstBreak == nil, walk.checkpoints.keys.contains(where: { $0 >= walk.position }) {
            result.firstBreak = .init(position: walk.position, eventID: nil, kind: .missing)
        }
        if let kept = walk.kept, !walk.keptSeen, result.firstBreak == nil {
            // Where the database says that head stood, if it still says so; else past the end.
            let at = walk.checkpoints.first(where: { Array($0.value.utf8) == kept })?.key ?? walk.position
            result.firstBreak = .init(position: at, eventID: nil, kind: at < walk.position ? .changed : .missing)
        }
        let strays = try await reading(
            "SELECT event_id, next_position FROM audit_strays(\(tenant), 1)", on: connection, logger: logger
        ) { rows in
            var strays: [(UUID, Int64?)] = []
            for try await stray in rows.decode((UUID, Int64?).self) { strays.append(stray) }
            return strays
        }
        for (event, next) in strays {
            let at = next ?? walk.position
            if at <= (result.firstBreak?.position ?? walk.position) {
                result.firstBreak = .init(position: at, eventID: event, kind: .inserted)
                // The links before it, all of which checked out.
                result.events = Int(at - 1)
            }
        }
        (result.unsealed, result.oldestUnsealedAt) = try await unsealed(of: tenant, on: connection, logger: logger)
        return result
    }

    /// What the verifier reads of a link: the seal, whether its event is there, and the event's
    /// fields as the encoding writes them, as text (`Walk.follow` reads them in this order).
    private static let linkColumns = """
        s.position, s.event_id, s.previous_hash, s.hash, s.sealed_at, a.id IS NOT NULL,
        a.id::text, a.tenant_id::text, to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        a.user_id::text, a.role, a.action, a.entity_type, a.entity_id::text, a.patient_id::text, a.ip::text,
        a.request_id, a.client_request_id, a.outcome, a.detail::text
        """

    /// A page of the chain from `position`, read from the tables themselves, not through
    /// audit_chain (which answers the same): no function of the database it checks stands
    /// between the verifier and the rows. The events are found by the times their seals give,
    /// as one range of the time index joined by hash: seals follow the order events happened in, so the range is
    /// about a page, read in the order the table was written, where one lookup by id per link
    /// would jump through the whole primary key (at ten million events, twice the time). An
    /// event not in its seal's time (changed, or gone) is left to `link`.
    static func links(of tenant: UUID, from position: Int64, count: Int) -> PostgresQuery {
        """
        WITH s AS MATERIALIZED (
            SELECT position, event_id, event_occurred_at, previous_hash, hash, sealed_at FROM audit_seals
             WHERE tenant_id = \(tenant) AND position >= \(position)
             ORDER BY position
             LIMIT \(Int32(count)))
        SELECT \(unescaped: linkColumns)
          FROM s
          LEFT JOIN audit_events a ON a.tenant_id = \(tenant) AND a.id = s.event_id
               AND a.occurred_at >= (SELECT min(event_occurred_at) FROM s) AND a.occurred_at <= (SELECT max(event_occurred_at) FROM s)
         ORDER BY s.position
        """
    }

    /// The page of links from `position`, its rows held (`links`).
    static func links(of tenant: UUID, from position: Int64, count: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [PostgresRow]
    {
        try await reading(links(of: tenant, from: position, count: count), as: tenant, settings: pageSettings, on: connection, logger: logger) {
            rows in
            var held: [PostgresRow] = []
            held.reserveCapacity(count)
            for try await row in rows { held.append(row) }
            return held
        }
    }

    /// For `links`: one process, as a parallel plan's workers would take the other core from
    /// the hashing; the join by hash it is written for, not a lookup per link; and the memory
    /// to hash and sort a page without spilling to disk. `SET LOCAL`, which Citus carries to
    /// the worker that runs the page once the tenant is set (`soapstone_set_tenant`), in one
    /// round trip.
    static let pageSettings: PostgresQuery = """
        DO $$BEGIN
            SET LOCAL max_parallel_workers_per_gather = 0;
            SET LOCAL enable_nestloop = off;
            SET LOCAL work_mem = '32MB';
        END$$
        """

    /// The link at `position`, its event found by id alone.
    static func link(of tenant: UUID, at position: Int64) -> PostgresQuery {
        """
        SELECT \(unescaped: linkColumns)
          FROM audit_seals s
          LEFT JOIN audit_events a ON a.tenant_id = s.tenant_id AND a.id = s.event_id
         WHERE s.tenant_id = \(tenant) AND s.position = \(position)
        """
    }

    /// The verifier between two links: where it stands in the chain and what it found so far.
    /// Hashes are handled as their 64 hex digits' bytes, turned into a String only for the head:
    /// at ten million links, a String (or a Date) a link is what the verifier would spend.
    struct Walk: Sendable {
        let checkpoints: [Int64: String]
        let kept: [UInt8]?
        var keptSeen = false
        /// The position the next link must have, and the hash it must follow.
        var position: Int64 = 1
        var previous = [UInt8](repeating: UInt8(ascii: "0"), count: 64)
        var result = Verification()
        /// The last page was short, or a break was found.
        var ended = false
        /// A link whose event the page did not find, to be read again by `link`.
        var absent: Int64?
        /// The last link's seal time, decoded only for the head.
        private var last: PostgresCell?
        private var scratch: [UInt8] = []
        private var recomputed = [UInt8](repeating: 0, count: 64)

        init(checkpoints: [Int64: String], kept: [UInt8]?) {
            self.checkpoints = checkpoints
            self.kept = kept
        }

        /// Checks one link of the reading in `verify`; at a break, records it and ends the walk.
        /// A link without its event is a break when `exact`, else `absent`.
        mutating func follow(_ row: PostgresRow, exact: Bool) throws {
            var cells = row.makeIterator()
            func next() throws -> PostgresCell {
                guard let cell = cells.next() else {
                    throw DatabaseError.unexpected(sqlState: nil, summary: "the chain's reading gave a short row")
                }
                return cell
            }
            let at = try next().decode(Int64.self)
            let event = try next().decode(UUID.self)
            let linkPrevious = try AuditChain.text(next())
            let hash = try AuditChain.text(next())
            let sealedAt = try next()
            let present = try next().decode(Bool.self)
            if at != position { return broken(.init(position: position, eventID: nil, kind: .missing)) }
            guard let linkPrevious, let hash else {
                throw DatabaseError.unexpected(sqlState: nil, summary: "the chain's reading gave a link without its hashes")
            }
            guard present else {
                if exact { return broken(.init(position: at, eventID: event, kind: .missing)) }
                absent = at
                return
            }
            scratch.removeAll(keepingCapacity: true)
            linkPrevious.withUnsafeReadableBytes { scratch.append(contentsOf: $0) }
            scratch += AuditChain.encodingVersion.utf8
            for _ in 0..<AuditChain.fields { AuditChain.frame(try AuditChain.text(next()), into: &scratch) }
            AuditChain.hash(scratch, into: &recomputed)
            let matches = hash.withUnsafeReadableBytes { $0.elementsEqual(recomputed) }
            if !linkPrevious.withUnsafeReadableBytes({ $0.elementsEqual(previous) }) {
                return broken(.init(position: at, eventID: event, kind: matches ? .reordered : .changed))
            }
            let stored = checkpoints[at].map { checkpoint in hash.withUnsafeReadableBytes { $0.elementsEqual(checkpoint.utf8) } }
            if !matches || stored == false {
                return broken(.init(position: at, eventID: event, kind: .changed))
            }
            if let kept, !keptSeen, hash.withUnsafeReadableBytes({ $0.elementsEqual(kept) }) { keptSeen = true }
            swap(&previous, &recomputed)
            position = at + 1
            result.events += 1
            last = sealedAt
        }

        /// The last link that checked out.
        func head() throws -> Verification.Head? {
            guard let last else { return nil }
            return .init(position: position - 1, hash: String(decoding: previous, as: UTF8.self), sealedAt: try last.decode(Date.self))
        }

        mutating func broken(_ found: Verification.Break) {
            result.firstBreak = found
            ended = true
        }
    }

    /// The README's "Audit chain" encoding of an event, after the previous hash: this line,
    /// then each of the event's `fields` (`frame`).
    static let encodingVersion = "soapstone-audit-event-v1\n"
    static let fields = 14

    /// One field of the encoding: its UTF-8 length, `:`, its text and a newline, or `~` and a
    /// newline for NULL (nil).
    static func frame(_ field: ByteBuffer?, into bytes: inout [UInt8]) {
        if let field {
            bytes += String(field.readableBytes).utf8
            bytes.append(UInt8(ascii: ":"))
            field.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        } else {
            bytes.append(UInt8(ascii: "~"))
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// SHA-256 of `bytes` (the previous hash's 64 characters and the framed event), in
    /// lowercase hex, written into the 64 bytes of `hex`. Computed here, not by the database
    /// it checks.
    static func hash(_ bytes: [UInt8], into hex: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            var at = 0
            for byte in SHA256.hash(data: bytes) {
                hex[at] = digits[Int(byte >> 4)]
                hex[at + 1] = digits[Int(byte & 0x0f)]
                at += 2
            }
        }
    }

    /// One statement in a transaction block of its own, after `settings`, its rows handed to
    /// `collect`: Citus carries a tenant set with SET LOCAL (by `audit_seal`, or here for
    /// `tenant`) to the workers only within one. The connection is checked before each
    /// statement: one that closed meanwhile would never answer it.
    static func reading<Result>(
        _ query: PostgresQuery, as tenant: UUID? = nil, settings: PostgresQuery? = nil, on connection: PostgresConnection,
        logger: Logger,
        _ collect: (PostgresRowSequence) async throws -> sending Result
    ) async throws -> sending Result {
        try connection.requireOpen()
        return try await connection.inTransaction(logger: logger) { connection in
            if let tenant { try await connection.run("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: logger) }
            if let settings { try await connection.run(settings, logger: logger) }
            try connection.requireOpen()
            return try await collect(try await connection.query(query, logger: logger))
        }
    }

    /// A text cell's UTF-8 bytes: binary and text format carry text alike.
    static func text(_ cell: PostgresCell) throws -> ByteBuffer? {
        guard cell.dataType == .text else {
            throw DatabaseError.unexpected(sqlState: nil, summary: "the chain's reading gave a field that is not text")
        }
        return cell.bytes
    }

    /// How many of the tenant's events no seal covers yet, and the oldest one's time.
    static func unsealed(of tenant: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (Int, Date?) {
        try await reading(
            """
            SELECT count(*), min(a.occurred_at) FROM audit_events a
             WHERE a.tenant_id = \(tenant)
               AND NOT EXISTS (SELECT FROM audit_seals s WHERE s.tenant_id = \(tenant) AND s.event_id = a.id)
            """, as: tenant, on: connection, logger: logger
        ) { rows in
            for try await (count, oldest) in rows.decode((Int, Date?).self) { return (count, oldest) }
            return (0, nil)
        }
    }

    /// The tenant's stored checkpoints, position to hash.
    static func storedCheckpoints(of tenant: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [Int64: String]
    {
        try await reading(
            "SELECT position, hash FROM audit_checkpoints WHERE tenant_id = \(tenant)", as: tenant, on: connection,
            logger: logger
        ) { rows in
            var checkpoints: [Int64: String] = [:]
            for try await (position, hash) in rows.decode((Int64, String).self) { checkpoints[position] = hash }
            return checkpoints
        }
    }
}

extension Database {
    /// One round of the sealer on a pooled connection (`AuditChain.seal`).
    public func sealAuditEvents(settle: Duration, late: Bool) async throws -> Int {
        try await withPooledConnection { connection in
            try await AuditChain.seal(on: connection, settle: settle, late: late, logger: logger)
        }
    }

    /// The caller's tenant's chain, verified (`AuditChain.verify`).
    public func verifyAuditChain(tenantID: UUID) async throws -> AuditChain.Verification {
        try await withPooledConnection { connection in
            try await AuditChain.verify(tenant: tenantID, on: connection, logger: logger)
        }
    }
}
