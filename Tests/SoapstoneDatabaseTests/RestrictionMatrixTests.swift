import Foundation
import Logging
import PostgresNIO
import SoapstoneTestSupport
import Testing

/// Restricted records (migration 34), generated from the catalog like the isolation matrix: for
/// every relation whose rows carry a patient's restriction (`CatalogFixture.restrictedRelations`),
/// as the server's role and as the owner, with clinic A's context and a nurse of A acting, a
/// restricted patient's rows are seen only on the care team or with a live emergency grant; an
/// outsider's UPDATE and DELETE reach none of them and an INSERT naming the patient fails.
///
/// Each case restricts a seeded patient of A (one with encounters, notes and versions) as the
/// superuser inside a transaction that is rolled back, so the seed stays as it was.
@Suite("Restriction matrix")
struct RestrictionMatrixTests {
    enum Actor: String, CaseIterable, Sendable {
        case server = "soapstone_server"
        case owner = "soapstone_owner"
    }

    /// What ties the acting nurse to the restricted patient.
    enum Access: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case outsider
        case liveGrant
        /// Granted two hours ago for an hour: time is moved by the rows, not by sleeping.
        case expiredGrant
        case careTeam
        case formerMember
        /// On the team, but now in a role that does not treat (front desk).
        case memberNoLongerTreating

        var opens: Bool { self == .liveGrant || self == .careTeam }
        var testDescription: String { rawValue }
    }

    /// Who acts, and how they are tied to the patient (Swift Testing combines two collections).
    struct Case: Sendable, CustomTestStringConvertible {
        let actor: Actor
        let access: Access
        var testDescription: String { "\(actor.rawValue), \(access.rawValue)" }
        static let all = Actor.allCases.flatMap { actor in Access.allCases.map { Case(actor: actor, access: $0) } }
    }

    static let logger = Logger(label: "restriction")

    @Test(
        "A restricted patient's rows are seen only on the care team or with a live grant",
        arguments: try await CatalogFixture.restrictedRelations(), Case.all)
    func visibility(relation: Relation, case: Case) async throws {
        let (actor, access) = (`case`.actor, `case`.access)
        try await withRestrictedPatient { connection, fixture in
            try await give(access, fixture: fixture, on: connection)
            // The clinic's rows the nurse could see but for this patient (the seed restricts
            // another patient, whose team she is not on).
            let all = try await count(
                relation, "tenant_id = '\(fixture.tenant)' AND (NOT restricted OR patient_id = '\(fixture.patient)')",
                on: connection)
            let hidden = try await count(
                relation, "tenant_id = '\(fixture.tenant)' AND patient_id = '\(fixture.patient)'", on: connection)
            #expect(hidden > 0, "the restricted patient has no rows in \(relation.name)")
            let before = try await fingerprint(relation, fixture: fixture, on: connection)

            try await act(as: actor, user: fixture.nurse, tenant: fixture.tenant, on: connection)
            let seen = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*)::int8, count(*) FILTER (WHERE patient_id = '\(fixture.patient)')::int8
                          FROM \(relation.name)
                        """), logger: Self.logger
            ).collect().first!.decode((Int, Int).self)
            if access.opens {
                #expect(seen == (all, hidden), "\(access) saw \(seen) of \(all), \(hidden) restricted")
            } else {
                #expect(seen == (all - hidden, 0), "\(access) saw \(seen) of \(all), \(hidden) restricted")
                for statement in [
                    "UPDATE \(relation.name) SET tenant_id = tenant_id WHERE patient_id = '\(fixture.patient)'",
                    "DELETE FROM \(relation.name) WHERE patient_id = '\(fixture.patient)'",
                ] {
                    let outcome = try await attempt(statement, on: connection)
                    #expect(outcome == .rows(0) || outcome.wasRefused, "\(statement): \(outcome)")
                }
            }
            try await connection.query("RESET ROLE", logger: Self.logger)
            #expect(try await fingerprint(relation, fixture: fixture, on: connection) == before)
        }
    }

    @Test(
        "An outsider's INSERT naming a restricted patient fails; the care team's is not refused by the policy",
        arguments: try await CatalogFixture.restrictedRelations().filter { !$0.isView }, Actor.allCases)
    func insertNamingRestrictedPatient(relation: Relation, actor: Actor) async throws {
        for access in [Access.outsider, .careTeam] {
            try await withRestrictedPatient { connection, fixture in
                try await give(access, fixture: fixture, on: connection)
                let insert = try await newRowStatement(relation, fixture: fixture, on: connection)
                let before = try await count(relation, "patient_id = '\(fixture.patient)'", on: connection)
                try await act(as: actor, user: fixture.nurse, tenant: fixture.tenant, on: connection)
                let outcome = try await attempt(insert, on: connection)
                try await connection.query("RESET ROLE", logger: Self.logger)
                if access.opens {
                    #expect(outcome != .refused(sqlState: "42501"), "the care team's insert: \(outcome)")
                } else {
                    #expect(outcome.wasRefused, "an outsider's insert: \(outcome)")
                    #expect(try await count(relation, "patient_id = '\(fixture.patient)'", on: connection) == before)
                }
            }
        }
    }

    @Test("The copied flag follows the patient, whoever restricts or releases, and nobody sets it by hand")
    func flagFollowsThePatient() async throws {
        try await withRestrictedPatient { connection, fixture in
            let relations = try await CatalogFixture.restrictedRelations().filter { !$0.isView }
            // Released by the clinic's admin, who is on no team and holds no grant.
            try await restrict(false, fixture: fixture, on: connection)
            for relation in relations {
                #expect(
                    try await count(relation, "patient_id = '\(fixture.patient)' AND restricted", on: connection) == 0,
                    "\(relation.name) kept the restriction after the release")
            }
            // Restricted again by the admin: every row follows, those of a note entered in error too.
            try await restrict(true, fixture: fixture, on: connection)
            for relation in relations {
                #expect(
                    try await count(relation, "patient_id = '\(fixture.patient)' AND NOT restricted", on: connection) == 0,
                    "\(relation.name) missed the restriction")
            }
            // A member of the team may not lift the flag of one row.
            try await give(.careTeam, fixture: fixture, on: connection)
            try await act(as: .server, user: fixture.nurse, tenant: fixture.tenant, on: connection)
            for table in ["encounters", "notes"] {
                let outcome = try await attempt(
                    "UPDATE \(table) SET restricted = false WHERE patient_id = '\(fixture.patient)'", on: connection)
                #expect(outcome == .refused(sqlState: "SS003"), "\(table): \(outcome)")
            }
            #expect(
                try await attempt(
                    "UPDATE note_versions SET restricted = false WHERE patient_id = '\(fixture.patient)'", on: connection
                ).wasRefused)
        }
    }

    @Test("A tenant set again, for another user or without the charts, closes what the first opened")
    func tenantSetAgainCloses() async throws {
        try await withRestrictedPatient { connection, fixture in
            try await give(.careTeam, fixture: fixture, on: connection)
            try await act(as: .server, user: fixture.nurse, tenant: fixture.tenant, on: connection)
            let relation = Relation(name: "encounters", isView: false)
            let seen = { try await count(relation, "patient_id = '\(fixture.patient)'", on: connection) }
            #expect(try await seen() > 0)
            for again in ["'\(fixture.admin)'", "'\(fixture.nurse)', false", "NULL"] {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT soapstone_set_tenant('\(fixture.tenant)', \(again))"), logger: Self.logger)
                #expect(try await seen() == 0, "soapstone_set_tenant(tenant, \(again)) left the chart open")
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT soapstone_set_tenant('\(fixture.tenant)', '\(fixture.nurse)')"), logger: Self.logger)
                #expect(try await seen() > 0)
            }
        }
    }

    @Test("A grant or a team of clinic A never opens clinic B's patient, even with B's id in the setting")
    func otherClinicStaysClosed() async throws {
        let (a, b) = try await CatalogFixture.tenants()
        let db = try await CatalogFixture.database.value
        try await db.withConnection(as: TestDatabase.superuser) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            defer { _ = connection.query("ROLLBACK", logger: Self.logger) }
            let otherPatient = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT id FROM patients WHERE tenant_id = '\(b)' AND mrn = 'LV-2001'"), logger: Self.logger
            ).collect().first!.decode(UUID.self)
            let nurse = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT id FROM users WHERE tenant_id = '\(a)' AND role = 'nurse'"), logger: Self.logger
            ).collect().first!.decode(UUID.self)
            // No row of A can name B's patient: the keys are composite.
            try await connection.query("SAVEPOINT grant_attempt", logger: Self.logger)
            do {
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO emergency_access_grants (tenant_id, patient_id, user_id, reason, expires_at)
                            VALUES ('\(a)', '\(otherPatient)', '\(nurse)', 'a guess at another clinic', now() + interval '1 hour')
                            """), logger: Self.logger)
                Issue.record("a grant of A named B's patient")
            } catch let error as PSQLError {
                #expect(error.sqlState == "23503")
                try await connection.query("ROLLBACK TO SAVEPOINT grant_attempt", logger: Self.logger)
            }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "UPDATE patients SET restricted = true, restriction_reason = 'B''s' WHERE tenant_id = '\(b)' AND id = '\(otherPatient)'"
                ), logger: Self.logger)
            try await connection.query("SET LOCAL ROLE soapstone_server", logger: Self.logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT soapstone_set_tenant('\(a)', '\(nurse)')"), logger: Self.logger)
            // As if A's context had opened B's patient by its id.
            try await connection.query(
                PostgresQuery(unsafeSQL: "SET LOCAL app.open_patients = '\(otherPatient)'"), logger: Self.logger)
            for relation in try await CatalogFixture.restrictedRelations() {
                let seen = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(relation.name) WHERE patient_id = '\(otherPatient)'"),
                    logger: Self.logger
                ).collect().first!.decode(Int.self)
                #expect(seen == 0, "\(relation.name) showed B's patient to A")
            }
        }
    }

    // MARK: - Machinery

    struct Fixture {
        let tenant: UUID
        let patient: UUID
        let nurse: UUID
        let admin: UUID
    }

    typealias Outcome = StatementOutcome

    /// A transaction as the superuser in which A's first seeded patient (NS-1001: encounters, a
    /// draft, versions) is restricted; rolled back afterwards.
    func withRestrictedPatient(_ body: (PostgresConnection, Fixture) async throws -> Void) async throws {
        let (a, _) = try await CatalogFixture.tenants()
        let db = try await CatalogFixture.database.value
        try await db.withConnection(as: TestDatabase.superuser) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            defer { _ = connection.query("ROLLBACK", logger: Self.logger) }
            let ids = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT (SELECT id FROM patients WHERE tenant_id = '\(a)' AND mrn = 'NS-1001'),
                               (SELECT id FROM users WHERE tenant_id = '\(a)' AND role = 'nurse'),
                               (SELECT id FROM users WHERE tenant_id = '\(a)' AND role = 'admin')
                        """), logger: Self.logger
            ).collect().first!.decode((UUID, UUID, UUID).self)
            let fixture = Fixture(tenant: a, patient: ids.0, nurse: ids.1, admin: ids.2)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "UPDATE patients SET restricted = true, restriction_reason = 'test' WHERE tenant_id = '\(a)' AND id = '\(fixture.patient)'"
                ), logger: Self.logger)
            try await body(connection, fixture)
        }
    }

    /// Restricts or releases the patient as the clinic's admin does it through the server (on no
    /// team, holding no grant), then back to the superuser.
    func restrict(_ restricted: Bool, fixture: Fixture, on connection: PostgresConnection) async throws {
        try await act(as: .server, user: fixture.admin, tenant: fixture.tenant, on: connection)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE patients SET restricted = \(restricted), restriction_reason = \(restricted ? "'again'" : "NULL")
                     WHERE tenant_id = '\(fixture.tenant)' AND id = '\(fixture.patient)'
                    """), logger: Self.logger)
        try await connection.query("RESET ROLE", logger: Self.logger)
    }

    /// Ties the nurse to the patient as `access` says, as the superuser.
    func give(_ access: Access, fixture: Fixture, on connection: PostgresConnection) async throws {
        let (t, p, n, admin) = (fixture.tenant, fixture.patient, fixture.nurse, fixture.admin)
        let sql: String? =
            switch access {
            case .outsider: nil
            case .liveGrant:
                """
                INSERT INTO emergency_access_grants (tenant_id, patient_id, user_id, reason, expires_at)
                VALUES ('\(t)', '\(p)', '\(n)', 'unconscious, no team member on site', now() + interval '1 hour')
                """
            case .expiredGrant:
                """
                INSERT INTO emergency_access_grants (tenant_id, patient_id, user_id, reason, granted_at, expires_at)
                VALUES ('\(t)', '\(p)', '\(n)', 'unconscious, no team member on site', now() - interval '2 hours',
                        now() - interval '1 hour')
                """
            case .careTeam:
                "INSERT INTO care_team_members (tenant_id, patient_id, user_id, added_by) VALUES ('\(t)', '\(p)', '\(n)', '\(admin)')"
            case .formerMember:
                """
                INSERT INTO care_team_members (tenant_id, patient_id, user_id, added_by, added_at, removed_by, removed_at)
                VALUES ('\(t)', '\(p)', '\(n)', '\(admin)', now() - interval '1 day', '\(admin)', now() - interval '1 hour')
                """
            case .memberNoLongerTreating:
                """
                WITH member AS (
                    INSERT INTO care_team_members (tenant_id, patient_id, user_id, added_by)
                    VALUES ('\(t)', '\(p)', '\(n)', '\(admin)'))
                UPDATE users SET role = 'front_desk' WHERE tenant_id = '\(t)' AND id = '\(n)'
                """
            }
        if let sql { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger) }
    }

    /// The rest of the transaction as `actor`, with the tenant and the acting user set as the
    /// server sets them.
    func act(as actor: Actor, user: UUID, tenant: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(actor.rawValue)"), logger: Self.logger)
        try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT soapstone_set_tenant('\(tenant)', '\(user)')"), logger: Self.logger)
    }

    /// Runs `sql` in a savepoint: the rows it wrote, or the SQLSTATE it was refused with.
    func attempt(_ sql: String, on connection: PostgresConnection) async throws -> Outcome {
        try await connection.query("SAVEPOINT attempt", logger: Self.logger)
        do {
            let written = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).get().metadata.rows ?? 0
            try await connection.query("RELEASE SAVEPOINT attempt", logger: Self.logger)
            return .rows(written)
        } catch let error as PSQLError {
            try await connection.query("ROLLBACK TO SAVEPOINT attempt", logger: Self.logger)
            return .refused(sqlState: error.sqlState ?? "?????")
        }
    }

    func count(_ relation: Relation, _ condition: String, on connection: PostgresConnection) async throws -> Int {
        try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(relation.name) WHERE \(condition)"), logger: Self.logger
        ).collect().first!.decode(Int.self)
    }

    /// A digest of the restricted patient's rows, as the superuser sees them.
    func fingerprint(_ relation: Relation, fixture: Fixture, on connection: PostgresConnection) async throws -> String {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) || ':' || count(*)
                      FROM \(relation.name) r WHERE patient_id = '\(fixture.patient)'
                    """), logger: Self.logger
        ).collect().first!.decode(String.self)
    }

    /// An INSERT of a new row for the restricted patient, as constants made from one of its rows
    /// (read here as the superuser): a fresh id where the table has one, a later version where it
    /// keys versions, `restricted` false (the database sets it itself, whatever the writer
    /// says), and every other column as the row has it.
    func newRowStatement(_ relation: Relation, fixture: Fixture, on connection: PostgresConnection) async throws -> String {
        let columns = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
                     WHERE attrelid = 'public.\(relation.name)'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
                     ORDER BY attnum
                    """), logger: Self.logger
        ).collect().map { try $0.decode((String, String).self) }
        let literals = columns.map { column, type in
            switch column {
            case "id": "'gen_random_uuid()'"
            case "version": "(r.version + 1000)::text"
            case "restricted": "'false'"
            default: "quote_nullable(r.\(column)::text) || '::\(type)'"
            }
        }.joined(separator: " || ', ' || ")
        let values = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(literals) FROM \(relation.name) r
                     WHERE r.tenant_id = '\(fixture.tenant)' AND r.patient_id = '\(fixture.patient)' ORDER BY r::text LIMIT 1
                    """), logger: Self.logger
        ).collect().first!.decode(String.self)
        return "INSERT INTO \(relation.name) (\(columns.map(\.0).joined(separator: ", "))) VALUES (\(values))"
    }
}
