import Crypto
import Foundation
import PostgresNIO
import SoapstoneCore

/// An Idempotency-Key as a request brought it, with the fingerprint of what it asked for.
public struct IdempotencyRequest: Sendable {
    public let key: String
    public let requestSHA256: String

    /// `parts` name the request: the operation, its path ids, its body as sent.
    public init(key: String, parts: [Data]) {
        self.key = key
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Data("\(part.count):".utf8))
            hasher.update(data: part)
        }
        self.requestSHA256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Keys are kept per user for 24 hours: the same key and request within that time answer with
/// the record the first request created; the same key with another request is refused.
public struct IdempotencyKeyRepository {
    let tx: TenantTransaction
    static let lifetime = "24 hours"

    /// Runs `create` once per key: a second request with the key gets `replay` of what the first
    /// created. Requests with one key are serialised by a transaction-level advisory lock, so two
    /// at once cannot both create.
    public func once<Record>(
        _ request: IdempotencyRequest?, userID: UUID, id: (Record) -> UUID,
        replay: (UUID) async throws -> Record?, create: () async throws -> Record
    ) async throws -> Record {
        guard let request else { return try await create() }
        try await tx.run(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(tx.tenantID.uuidString) || \(userID.uuidString) || \(request.key), 0))"
        )
        let rows = try await tx.query(
            """
            SELECT request_sha256, response_body->>'id' FROM idempotency_keys
             WHERE tenant_id = \(tx.tenantID) AND user_id = \(userID) AND key = \(request.key) AND created_at > now() - \(Self.lifetime)::interval
            """)
        for try await (hash, storedID) in rows.decode((String, String?).self) {
            guard hash == request.requestSHA256 else {
                throw DomainError.validation([
                    FieldError(field: "Idempotency-Key", message: "was used for a different request in the last 24 hours")
                ])
            }
            guard let storedID, let id = UUID(uuidString: storedID), let record = try await replay(id) else {
                throw DomainError.notFound
            }
            return record
        }
        let record = try await create()
        let body = "{\"id\": \"\(id(record).uuidString.lowercased())\"}"
        try await tx.run(
            """
            INSERT INTO idempotency_keys (tenant_id, user_id, key, request_sha256, response_status, response_body)
            VALUES (\(tx.tenantID), \(userID), \(request.key), \(request.requestSHA256), 201, \(body)::jsonb)
            ON CONFLICT (tenant_id, user_id, key) DO UPDATE
               SET request_sha256 = EXCLUDED.request_sha256, response_status = EXCLUDED.response_status,
                   response_body = EXCLUDED.response_body, created_at = EXCLUDED.created_at
            """)
        return record
    }
}

extension TenantTransaction {
    public var idempotencyKeys: IdempotencyKeyRepository { IdempotencyKeyRepository(tx: self) }
}
