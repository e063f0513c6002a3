import Crypto
import Foundation
import Logging
import SoapstoneCore
import SoapstoneTestSupport
import Testing

@testable import SoapstoneDatabase
@testable import SoapstoneDevelopment

@Suite("Development data")
struct SeedTests {
    @Test("Every table has rows of both clinics, so the isolation matrix tests something everywhere")
    func fillsEveryTableForBothTenants() async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let db = try await CatalogFixture.database.value
        for table in try await CatalogFixture.tables() {
            let counts = try await db.strings(
                "SELECT count(*) FILTER (WHERE tenant_id = '\(a)') || ':' || count(*) FILTER (WHERE tenant_id = '\(b)') FROM \(table.name)"
            )
            let parts = counts[0]!.split(separator: ":").compactMap { Int($0) }
            #expect(parts.count == 2 && parts.allSatisfy { $0 > 0 }, "\(table.name): \(counts[0]!)")
        }
    }

    @Test("Each clinic has a user of every role, and a draft, a signed and an amended note with their versions")
    func coversRolesAndNoteStates() async throws {
        let db = try await CatalogFixture.database.value
        let roles = try await db.strings(
            "SELECT t.slug || ':' || string_agg(u.role, ',' ORDER BY u.role) FROM users u JOIN tenants t ON t.id = u.tenant_id GROUP BY t.slug ORDER BY t.slug"
        )
        let all = Role.allCases.map(\.rawValue).sorted().joined(separator: ",")
        #expect(roles == ["lakeview:\(all)", "northside:\(all)"])
        let notes = try await db.strings(
            "SELECT n.status || ':' || n.current_version || ':' || count(v.*) FROM notes n JOIN note_versions v ON v.note_id = n.id AND v.tenant_id = n.tenant_id WHERE n.tenant_id = (SELECT id FROM tenants WHERE slug = 'northside') GROUP BY n.tenant_id, n.id ORDER BY 1"
        )
        #expect(notes == ["amended:3:3", "draft:2:2", "signed:2:2"])
        let amendment = try await db.strings("SELECT reason FROM note_versions WHERE version = 3 AND reason IS NOT NULL")
        #expect(amendment.count == 2)
    }

    @Test("The seed's audit events are the server's: an organisation is created as auth.register, as when it signs up")
    func seedWritesTheServersEvents() async throws {
        let db = try await CatalogFixture.database.value
        let creations = try await db.strings(
            "SELECT action || ':' || entity_type FROM audit_events WHERE entity_type = 'tenant' ORDER BY action")
        #expect(creations == ["auth.register:tenant", "auth.register:tenant"])
    }

    @Test("Seeding again adds nothing")
    func isIdempotent() async throws {
        let db = try await TestCluster.shared.makeDatabase(.seeded)
        let counts =
            "SELECT (SELECT count(*) FROM tenants) || ',' || (SELECT count(*) FROM users) || ',' || (SELECT count(*) FROM patients) || ',' || (SELECT count(*) FROM note_versions) || ',' || (SELECT count(*) FROM audit_events)"
        let before = try await db.strings(counts)
        let created = try await db.withDatabase { database in
            try await DevelopmentSeed(database: database, logger: Logger(label: "seed"), hasher: PasswordHasher(cost: 4))
                .run(environment: DevelopmentAccounts.developmentEnvironment)
        }
        #expect(created.isEmpty)
        #expect(try await db.strings(counts) == before)
    }

    @Test("A clinic whose slug an organisation has taken is skipped, and the other clinic is still seeded")
    func skipsTakenSlug() async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        let taken = UUID().uuidString.lowercased()
        _ = try await db.strings(
            "INSERT INTO tenants (id, tenant_id, name, slug) VALUES ('\(taken)', '\(taken)', 'Someone Else', 'northside') RETURNING slug")
        let created = try await db.withDatabase { database in
            try await DevelopmentSeed(database: database, logger: Logger(label: "seed"), hasher: PasswordHasher(cost: 4))
                .run(environment: DevelopmentAccounts.developmentEnvironment)
        }
        #expect(created == ["lakeview"])
        #expect(
            try await db.strings("SELECT slug || ':' || name FROM tenants ORDER BY slug")
                == ["lakeview:Lakeview Pediatrics", "northside:Someone Else"])
    }

    @Test("Seeding is refused unless the environment says development; production is the default", arguments: [
        [:], ["SOAPSTONE_ENV": "production"], ["SOAPSTONE_ENV": "staging"],
    ])
    func refusedInProduction(_ environment: [String: String]) async throws {
        let db = try await TestCluster.shared.makeDatabase(.migrated)
        await #expect(throws: SeedRefusal.self) {
            try await db.withDatabase { database in
                try await DevelopmentSeed(database: database, logger: Logger(label: "seed"), hasher: PasswordHasher(cost: 4))
                    .run(environment: environment)
            }
        }
        #expect(try await db.strings("SELECT count(*)::text FROM tenants") == ["0"])
        #expect(
            DevelopmentAccounts.isRefused(
                DevelopmentAccounts.password, isProduction: DevelopmentAccounts.isProduction(environment: environment)))
        #expect(
            !DevelopmentAccounts.isRefused(
                DevelopmentAccounts.password,
                isProduction: DevelopmentAccounts.isProduction(environment: DevelopmentAccounts.developmentEnvironment)))
    }

    @Test("The stored SHA-256 of every version is the database's and SoapstoneCore's hash of its content")
    func versionHashesAgree() async throws {
        let db = try await CatalogFixture.database.value
        let (a, _) = try await CatalogFixture.tenants()
        let versions = try await db.withDatabase { database in
            try await database.withTenant(a, userID: nil) { tx in
                var all: [NoteVersion] = []
                for id in try await tx.query("SELECT id FROM notes").collect().map({ try $0.decode(UUID.self) }) {
                    for summary in try await tx.notes.versions(of: id, limit: 200, after: nil).items {
                        all.append(try #require(try await tx.notes.version(summary.version, of: id)))
                    }
                }
                return all
            }
        }
        #expect(versions.count >= 7)
        for version in versions { #expect(version.sha256 == Self.documentedSHA256(of: version.content)) }
        let signed = try await db.strings(
            "SELECT (signed_sha256 = v.sha256)::text FROM notes n JOIN note_versions v ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.signed_version"
        )
        #expect(!signed.isEmpty && signed.allSatisfy { $0 == "true" })
    }

    /// The hash as docs/design.md describes it, written again here so that the database's is
    /// checked against the description a third party would follow: each section in SOAP order
    /// as its UTF-8 byte length, a colon, its bytes and a newline; SHA-256 of it all, lowercase hex.
    static func documentedSHA256(of content: NoteContent) -> String {
        var bytes: [UInt8] = []
        for section in [content.subjective, content.objective, content.assessment, content.plan] {
            let utf8 = Array(section.utf8)
            bytes += Array("\(utf8.count):".utf8) + utf8 + [UInt8(ascii: "\n")]
        }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
