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
}

extension TenantTransaction {
    public var tenants: TenantRepository { TenantRepository(tx: self) }
}
