import Foundation
import PostgresNIO
import SoapstoneCore

/// The tenant row of the transaction's own tenant: RLS shows no other.
public struct TenantRepository {
    let tx: TenantTransaction

    /// Creates the tenant the transaction is bound to. RLS accepts the row because its
    /// tenant_id is the transaction's: sign-up needs no relaxed policy.
    public func create(name: String, slug: String) async throws -> Tenant {
        let rows = try await tx.query(
            """
            INSERT INTO tenants (id, tenant_id, name, slug) VALUES (\(tx.tenantID), \(tx.tenantID), \(name), \(slug))
            RETURNING id, name, slug, created_at
            """)
        for try await (id, name, slug, createdAt) in rows.decode((UUID, String, String, Date).self) {
            return Tenant(id: id, name: name, slug: slug, createdAt: createdAt)
        }
        throw DomainError.notFound
    }

    public func current() async throws -> Tenant? {
        let rows = try await tx.query("SELECT id, name, slug, created_at FROM api_tenants WHERE id = \(tx.tenantID)")
        for try await (id, name, slug, createdAt) in rows.decode((UUID, String, String, Date).self) {
            return Tenant(id: id, name: name, slug: slug, createdAt: createdAt)
        }
        return nil
    }

    /// How long the clinic's emergency grants last (migration 34).
    public func emergencyAccessMinutes() async throws -> Int {
        let rows = try await tx.query("SELECT emergency_access_minutes FROM tenants WHERE tenant_id = \(tx.tenantID)")
        for try await minutes in rows.decode(Int.self) { return minutes }
        throw DomainError.notFound
    }

    public func setEmergencyAccessMinutes(_ minutes: Int) async throws {
        try await tx.run("UPDATE tenants SET emergency_access_minutes = \(minutes) WHERE tenant_id = \(tx.tenantID)")
    }
}

extension TenantTransaction {
    public var tenants: TenantRepository { TenantRepository(tx: self) }
}
