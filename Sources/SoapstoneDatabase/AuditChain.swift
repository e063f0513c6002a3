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
    /// Links read per round trip while verifying.
    static let page = 10_000

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
    public static func verify(
        tenant: UUID, fromCheckpoint kept: String? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> Verification {
        var result = Verification()
        let checkpoints = try await storedCheckpoints(of: tenant, on: connection, logger: logger)
        let kept = kept?.lowercased()
        var keptSeen = false
        var position: Int64 = 1
        var previous = String(repeating: "0", count: 64)
        walk: while true {
            // The tables themselves, not audit_chain (which answers the same): a function's rows
            // come only once it has made them all, where a plain statement's stream in while the
            // verifier hashes the ones before, on the other core; and no function of the
            // database it checks stands between the verifier and the rows.
            let links = try await reading(
                """
                SELECT s.position, s.event_id, s.previous_hash, s.hash, s.sealed_at, a.id IS NOT NULL,
                       a.id::text, a.tenant_id::text, to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                       a.user_id::text, a.role, a.action, a.entity_type, a.entity_id::text, a.patient_id::text, a.ip::text,
                       a.request_id, a.client_request_id, a.outcome, a.detail::text
                  FROM audit_seals s
                  LEFT JOIN audit_events a ON a.tenant_id = s.tenant_id AND a.id = s.event_id
                 WHERE s.tenant_id = \(tenant) AND s.position >= \(position)
                 ORDER BY s.position
                 LIMIT \(Int32(page))
                """, as: tenant, on: connection, logger: logger
            ) { rows in
                var links: [(Int64, UUID, String, String, Date, String?)] = []
                var scratch: [UInt8] = []
                for try await row in rows {
                    // The fields' bytes as they came (text, UTF-8), framed and hashed without a
                    // String each: at ten million events, what the verifier spends is here.
                    let cells = row.makeRandomAccess()
                    let previous = try cells[2].decode(String.self)
                    let recomputed =
                        try cells[5].decode(Bool.self)
                        ? try Self.hash(previous: previous, fields: (6..<20).map { try Self.text(cells[$0]) }, scratch: &scratch)
                        : nil
                    links.append(
                        (try cells[0].decode(Int64.self), try cells[1].decode(UUID.self), previous, try cells[3].decode(String.self),
                         try cells[4].decode(Date.self), recomputed))
                }
                return links
            }
            for (at, event, linkPrevious, hash, sealedAt, recomputed) in links {
                if at != position {
                    result.firstBreak = .init(position: position, eventID: nil, kind: .missing)
                    break walk
                }
                if recomputed == nil {
                    result.firstBreak = .init(position: at, eventID: event, kind: .missing)
                    break walk
                }
                if linkPrevious != previous {
                    result.firstBreak = .init(position: at, eventID: event, kind: recomputed == hash ? .reordered : .changed)
                    break walk
                }
                if recomputed != hash || checkpoints[at].map({ $0 != hash }) == true {
                    result.firstBreak = .init(position: at, eventID: event, kind: .changed)
                    break walk
                }
                if hash == kept { keptSeen = true }
                previous = hash
                position = at + 1
                result.events += 1
                result.head = .init(position: at, hash: hash, sealedAt: sealedAt)
            }
            if links.count < page { break }
        }
        // A checkpoint beyond the chain's end: links after the head were removed.
        if result.firstBreak == nil, checkpoints.keys.contains(where: { $0 >= position }) {
            result.firstBreak = .init(position: position, eventID: nil, kind: .missing)
        }
        if let kept, !keptSeen, result.firstBreak == nil {
            // Where the database says that head stood, if it still says so; else past the end.
            let at = checkpoints.first(where: { $0.value == kept })?.key ?? position
            result.firstBreak = .init(position: at, eventID: nil, kind: at < position ? .changed : .missing)
        }
        let strays = try await reading(
            "SELECT event_id, next_position FROM audit_strays(\(tenant), 1)", on: connection, logger: logger
        ) { rows in
            var strays: [(UUID, Int64?)] = []
            for try await stray in rows.decode((UUID, Int64?).self) { strays.append(stray) }
            return strays
        }
        for (event, next) in strays {
            let at = next ?? position
            if at <= (result.firstBreak?.position ?? position) {
                result.firstBreak = .init(position: at, eventID: event, kind: .inserted)
                // The links before it, all of which checked out.
                result.events = Int(at - 1)
            }
        }
        (result.unsealed, result.oldestUnsealedAt) = try await unsealed(of: tenant, on: connection, logger: logger)
        return result
    }

    /// One link's hash, as the README's "Audit chain" defines it: SHA-256, in lowercase hex, of
    /// the previous hash's 64 characters followed by the event's canonical encoding (the line
    /// `soapstone-audit-event-v1`, then each field as its UTF-8 length, `:`, its text and a
    /// newline, or `~` and a newline for NULL). Computed here, not by the database it checks.
    /// `fields` are the fields' UTF-8 bytes (nil for NULL); `scratch` is reused from call to call.
    static func hash(previous: String, fields: [ByteBuffer?], scratch bytes: inout [UInt8]) -> String {
        bytes.removeAll(keepingCapacity: true)
        bytes += previous.utf8
        bytes += "soapstone-audit-event-v1\n".utf8
        for field in fields {
            if let field {
                bytes += String(field.readableBytes).utf8
                bytes.append(UInt8(ascii: ":"))
                bytes += field.readableBytesView
            } else {
                bytes.append(UInt8(ascii: "~"))
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// One statement in a transaction block of its own, its rows handed to `collect`: Citus
    /// carries a tenant set with SET LOCAL (by `audit_seal`, `audit_chain`, or here for `tenant`)
    /// to the workers only within one. The connection is checked before each statement: one
    /// that closed meanwhile would never answer it.
    static func reading<Result>(
        _ query: PostgresQuery, as tenant: UUID? = nil, on connection: PostgresConnection, logger: Logger,
        _ collect: (PostgresRowSequence) async throws -> sending Result
    ) async throws -> sending Result {
        try connection.requireOpen()
        return try await connection.inTransaction(logger: logger) { connection in
            if let tenant { try await connection.run("SELECT soapstone_set_tenant(\(tenant), NULL)", logger: logger) }
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
