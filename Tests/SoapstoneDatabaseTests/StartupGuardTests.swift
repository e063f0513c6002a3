import Foundation
import Logging
import PostgresNIO
@testable import SoapstoneDatabase
import SoapstoneTestSupport
import Testing

/// The server refuses to run with a role that Row-Level Security does not bind.
@Suite("Start-up guard")
struct StartupGuardTests {
    func refusal(_ db: TestDatabase, as role: String) async throws -> StartupRefusal? {
        try await db.withDatabase(as: role) { database in
            do {
                try await database.verifyReadyToServe(migrations: try Migration.bundled())
                return nil
            } catch let refusal as StartupRefusal {
                return refusal
            }
        }
    }

    /// A login role of the test's own (roles are cluster-wide; the name is unique).
    func makeRole(_ db: TestDatabase, _ attributes: String) async throws -> String {
        let name = "probe_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await db.strings("CREATE ROLE \(name) LOGIN \(attributes)")
        return name
    }

    @Test func acceptsTheServerRole() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        #expect(try await refusal(db, as: TestDatabase.server) == nil)
    }

    @Test func refusesASuperuser() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        #expect(try await refusal(db, as: TestDatabase.superuser) == .superuser(role: "postgres"))
    }

    @Test func refusesTheOwner() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        #expect(try await refusal(db, as: TestDatabase.owner) == .ownsTables(role: "soapstone_owner", owner: "soapstone_owner"))
    }

    @Test func refusesAMemberOfTheOwner() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let role = try await makeRole(db, "IN ROLE soapstone_app, soapstone_owner")
        #expect(try await refusal(db, as: role) == .ownsTables(role: role, owner: "soapstone_owner"))
    }

    @Test func refusesBypassRLS() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let role = try await makeRole(db, "BYPASSRLS IN ROLE soapstone_app")
        #expect(try await refusal(db, as: role) == .bypassesRLS(role: role))
    }

    /// A role a policy names reads beyond the tenant policies; a member can SET ROLE to it. The
    /// role and its policy are the test's own: soapstone_auth is cluster-wide, and a member of
    /// it, even for a moment, would be seen by the catalog tests running beside this one.
    @Test func refusesAMemberOfARoleThatReadsAcrossTenants() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let reader = "reader_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await db.strings("CREATE ROLE \(reader) NOLOGIN")
        _ = try await db.strings("CREATE POLICY \(reader) ON patients FOR SELECT TO \(reader) USING (true)")
        let role = try await makeRole(db, "IN ROLE soapstone_app, \(reader)")
        #expect(try await refusal(db, as: role) == .reachesPrivilegedRole(role: role, via: reader))
    }

    @Test func soapstoneAuthCountsAsReadingAcrossTenants() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let readers = try await db.strings(
            "SELECT DISTINCT r::regrole::text FROM (\(RuntimeRoleCheck.crossTenantReaders)) AS readers(r) ORDER BY 1")
        #expect(readers.contains("soapstone_auth"), "\(readers)")
    }

    @Test func refusesARoleOutsideSoapstoneApp() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let role = try await makeRole(db, "")
        #expect(try await refusal(db, as: role) == .notAppRoleMember(role: role))
    }

    @Test func refusesASchemaThatIsBehind() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let later = Migration(version: 9100, name: "later", up: "SELECT 1", down: "SELECT 1")
        let result = try await db.withDatabase { database in
            do {
                try await database.verifyReadyToServe(migrations: try Migration.bundled() + [later])
                return nil as StartupRefusal?
            } catch let refusal as StartupRefusal { return refusal }
        }
        #expect(result == .schemaBehind(applied: try Migration.bundled().last!.version, expected: 9100))
    }

    @Test func refusesAnEmptyDatabase() async throws {
        let db = try await TestCluster.shared.makeDatabase(.empty)
        _ = try await db.strings("GRANT CONNECT ON DATABASE \(db.name) TO soapstone_app")
        #expect(
            try await refusal(db, as: TestDatabase.server)
                == .schemaBehind(applied: 0, expected: try Migration.bundled().last!.version))
    }
}
