import Crypto
import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneCore

/// Development data: two clinics, a user of every role in each, patients, encounters, notes with
/// several versions (a draft, a signed one, an amended one) and their audit events, so a new
/// developer never faces an empty screen. Everything has a fixed id, and a clinic that exists
/// already is left alone, so seeding twice changes nothing.
public struct DevelopmentSeed: Sendable {
    public struct Account: Sendable, Hashable {
        public let organization: String
        public let email: String
        public let role: Role
    }

    struct Clinic {
        let name: String
        let slug: String
        let patients: [PatientDetails]
    }

    static let clinics = [
        Clinic(
            name: "Northside Family Practice", slug: "northside",
            patients: [
                PatientDetails(
                    mrn: "NS-1001", givenName: "Amelia", familyName: "Hart", birthDate: "1984-03-12", sex: .female,
                    phone: "+1 555 0101", email: "amelia.hart@example.com",
                    address: Address(line: "12 Elm Street", city: "Springfield", region: "IL", postalCode: "62701", country: "US")
                ),
                PatientDetails(
                    mrn: "NS-1002", givenName: "José", familyName: "Núñez", birthDate: "1957-11-02", sex: .male,
                    phone: "+1 555 0102"),
                PatientDetails(mrn: "NS-1003", givenName: "Zoë", familyName: "Brontë", birthDate: "2012-06-30", sex: .female),
                PatientDetails(mrn: "NS-1004", givenName: "Kwame", familyName: "Mensah", birthDate: "1990-01-19", sex: .male),
                PatientDetails(mrn: "NS-1005", givenName: "Sam", familyName: "Rivera", birthDate: "2001-09-09", sex: .other),
                PatientDetails(
                    mrn: "NS-1006", givenName: "Harriet", familyName: "Hartley", birthDate: "1938-12-25", sex: .female,
                    active: false),
            ]),
        Clinic(
            name: "Lakeview Pediatrics", slug: "lakeview",
            patients: [
                PatientDetails(
                    mrn: "LV-2001", givenName: "Noah", familyName: "Lindqvist", birthDate: "2019-04-04", sex: .male,
                    address: Address(line: "3 Harbour Road", city: "Duluth", region: "MN", postalCode: "55802", country: "US")),
                PatientDetails(mrn: "LV-2002", givenName: "Émilie", familyName: "Côté", birthDate: "2016-08-15", sex: .female),
                PatientDetails(mrn: "LV-2003", givenName: "Aarav", familyName: "Sharma", birthDate: "2021-02-28", sex: .male),
                PatientDetails(mrn: "LV-2004", givenName: "Maya", familyName: "Okafor", birthDate: "2014-10-10", sex: .unknown),
            ]),
    ]

    static let staff: [(role: Role, local: String, name: String)] = [
        (.admin, "admin", "Avery Admin"),
        (.physician, "physician", "Dr. Morgan Physician"),
        (.nurse, "nurse", "Riley Nurse"),
        (.frontDesk, "frontdesk", "Jordan Front Desk"),
        (.auditor, "auditor", "Casey Auditor"),
    ]

    /// Every seeded login; all share `DevelopmentAccounts.password`.
    public static var accounts: [Account] {
        clinics.flatMap { clinic in
            staff.map { Account(organization: clinic.slug, email: "\($0.local)@\(clinic.slug).example", role: $0.role) }
        }
    }

    let database: Database
    let logger: Logger
    let hasher: PasswordHasher

    public init(database: Database, logger: Logger, hasher: PasswordHasher = PasswordHasher()) {
        self.database = database
        self.logger = logger
        self.hasher = hasher
    }

    /// Seeds what is missing; answers the slugs of the clinics it created.
    @discardableResult
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> [String] {
        guard !DevelopmentAccounts.isProduction(environment: environment) else {
            throw SeedRefusal()
        }
        var created: [String] = []
        var passwordHash: String?
        for clinic in Self.clinics {
            let tenantID = Self.id("tenant", clinic.slug)
            let exists = try await database.withTenant(tenantID, userID: nil) { tx in try await tx.tenants.current() != nil }
            if exists { continue }
            if passwordHash == nil {
                // One hash for the shared password: bcrypt is slow on purpose.
                passwordHash = try await hasher.hash(DevelopmentAccounts.password)
            }
            do {
                try await seed(clinic, tenantID: tenantID, passwordHash: passwordHash!)
                created.append(clinic.slug)
            } catch DomainError.conflict {
                // A unique key refused the clinic (errors arrive translated, `DatabaseError`):
                // another seed run got there first, or an organisation signed up with the slug.
                // Its transaction wrote nothing; the other clinic is still seeded.
                logger.notice("clinic already present or its slug taken; skipped", metadata: ["slug": "\(clinic.slug)"])
            }
        }
        // Everything seeded is committed: sealed at once, so the chains verify from the start.
        _ = try await database.sealAuditEvents(settle: .zero, late: true)
        return created
    }

    private func seed(_ clinic: Clinic, tenantID: UUID, passwordHash: String) async throws {
        var notes: [(id: UUID, patient: UUID, index: Int)] = []
        let (adminID, physician) = try await database.withTenant(tenantID, userID: nil) { tx in
            _ = try await tx.tenants.create(name: clinic.name, slug: clinic.slug)
            var users: [Role: User] = [:]
            for member in Self.staff {
                users[member.role] = try await tx.users.create(
                    id: Self.id("user", clinic.slug, member.local), email: "\(member.local)@\(clinic.slug).example",
                    name: member.name, role: member.role, passwordHash: passwordHash)
            }
            let admin = users[.admin]!
            let physician = users[.physician]!
            let nurse = users[.nurse]!
            let desk = users[.frontDesk]!
            try await tx.auditEvents.record(
                // The event the server writes when an organisation registers: one action per deed.
                AuditEntry(Principal(admin), .authRegister, entityType: "tenant", entityID: tenantID, origin: .none),
                detail: ["source": "seed"])
            for user in users.values.sorted(by: { $0.email < $1.email }) {
                try await tx.auditEvents.record(
                    AuditEntry(Principal(admin), .userCreate, entityType: "user", entityID: user.id, origin: .none),
                    detail: ["source": "seed"])
            }

            let day: TimeInterval = 86_400
            let now = Date()
            var registered: [UUID] = []
            for (index, details) in clinic.patients.enumerated() {
                // The front desk registers patients with an Idempotency-Key, as a client retrying safely would.
                let patient = try await tx.idempotencyKeys.once(
                    IdempotencyRequest(key: "seed-\(details.mrn)", parts: [Data(details.mrn.utf8)]), userID: desk.id, id: \.id,
                    replay: { try await tx.patients.find(id: $0) },
                    create: { try await tx.patients.create(id: Self.id("patient", clinic.slug, details.mrn), details) })
                try await tx.auditEvents.record(
                    AuditEntry(
                        Principal(desk), .patientCreate, entityType: "patient", entityID: patient.id, patientID: patient.id,
                        origin: .none), detail: ["source": "seed"])
                registered.append(patient.id)

                let past = now.addingTimeInterval(-Double(30 + index * 7) * day)
                let visit = try await tx.encounters.create(
                    id: Self.id("encounter", clinic.slug, details.mrn, "1"), patientID: patient.id, type: .inPerson,
                    status: .finished,
                    startedAt: past, endedAt: past.addingTimeInterval(1_800), reason: "Annual check-up",
                    attendingUserID: physician.id)
                let followUp = try await tx.encounters.create(
                    id: Self.id("encounter", clinic.slug, details.mrn, "2"), patientID: patient.id,
                    type: index.isMultiple(of: 2) ? .telemedicine : .phone, status: .planned,
                    startedAt: now.addingTimeInterval(Double(index + 1) * day), reason: "Follow-up", attendingUserID: physician.id
                )
                for encounter in [visit, followUp] {
                    try await tx.auditEvents.record(
                        AuditEntry(
                            Principal(desk), .encounterCreate, entityType: "encounter", entityID: encounter.id,
                            patientID: patient.id, origin: .none), detail: ["source": "seed"])
                }
                guard index < 3 else { continue }

                // A note in each state, started here by the nurse; its later versions below.
                let noteID = Self.id("note", clinic.slug, details.mrn)
                _ = try await tx.notes.createDraft(
                    id: noteID, encounterID: visit.id, authorID: nurse.id,
                    content: NoteContent(
                        subjective: "Feels well overall; occasional headaches in the afternoon.",
                        objective: "BP 128/82, HR 72, temperature 36.8 °C.", assessment: "", plan: ""))
                try await tx.auditEvents.record(
                    AuditEntry(Principal(nurse), .noteCreate, entityType: "note", entityID: noteID, patientID: patient.id, origin: .none),
                    detail: ["source": "seed"])
                notes.append((noteID, patient.id, index))
            }
            // A restricted record (migration 34): the clinic's last patient's, seen by the physician
            // on the care team; the nurse broke the glass two days ago, unreviewed yet.
            if let restricted = clinic.patients.last.map({ Self.id("patient", clinic.slug, $0.mrn) }) {
                _ = try await tx.patients.update(
                    id: restricted,
                    PatientChanges(
                        restricted: true, restrictionReason: "A member of staff: their chart is kept to their care team."))
                try await tx.auditEvents.record(
                    AuditEntry(
                        Principal(admin), .patientRestrict, entityType: "patient", entityID: restricted, patientID: restricted,
                        origin: .none), detail: ["source": "seed", "restricted": "true"])
                try await tx.careTeam.add(patientID: restricted, userID: physician.id, by: admin.id)
                try await tx.auditEvents.record(
                    AuditEntry(
                        Principal(admin), .careTeamAdd, entityType: "user", entityID: physician.id, patientID: restricted,
                        origin: .none), detail: ["source": "seed"])
                let grant = try await tx.emergencyAccess.grant(
                    patientID: restricted, userID: nurse.id,
                    reason: "Seen at the walk-in clinic with chest pain; no team member on site.",
                    grantedAt: now.addingTimeInterval(-2 * day))
                try await tx.auditEvents.record(
                    AuditEntry(
                        Principal(nurse), .accessEmergency, entityType: "emergency_access", entityID: grant.id,
                        patientID: restricted, origin: .none), detail: ["source": "seed"])
            }
            // The front desk's look at the patient list, as the server records a search: the
            // patients it showed, each disclosed (audit_disclosures).
            try await tx.auditEvents.record(
                AuditEntry(Principal(desk), .patientList, entityType: "patient", entityID: nil, origin: .none),
                detail: ["source": "seed", "count": String(registered.count)], shown: registered)
            return (admin.id, physician)
        }
        // Draft (two versions), signed (two), amended (three): saved, signed and amended by the
        // server's own operations, each audited as a request's would be.
        for (noteID, patientID, index) in notes {
            try await writeVersions(of: noteID, patient: patientID, tenant: tenantID, physician: physician, index: index)
        }
        // A finished session of the admin's: a revoked refresh token whose value nobody knows. In
        // a transaction of its own: ending a session notifies every server (SessionRevocations),
        // and on Citus a transaction that also wrote the tenant (a reference table, on every node)
        // commits in two phases, which PostgreSQL refuses after a NOTIFY.
        try await database.withTenant(tenantID, userID: nil) { tx in
            let family = Self.id("session", clinic.slug)
            let now = Date()
            try await tx.sessions.start(id: family, userID: adminID, at: now)
            try await tx.refreshTokens.create(
                userID: adminID, familyID: family, tokenSHA256: Self.id("token", clinic.slug).uuidString.sha256Hex,
                expiresAt: now.addingTimeInterval(1_800))
            try await tx.sessions.end(family)
        }
        logger.info("seeded clinic", metadata: ["slug": "\(clinic.slug)"])
    }

    /// The physician's save of the nurse's draft; the sign of the second and third note; the
    /// amendment of the third.
    private func writeVersions(of noteID: UUID, patient: UUID, tenant: UUID, physician: User, index: Int) async throws {
        let signer = Principal(physician)
        let entry = { (action: AuditAction) in
            AuditEntry(signer, action, entityType: "note", entityID: noteID, patientID: patient, origin: .none)
        }
        var note = try await database.advanceNote(
            noteID, tenantID: tenant, expected: .oneOf([1]), rule: NoteLifecycle.rule(.save),
            content: NoteContent(
                subjective: "Feels well overall; occasional headaches in the afternoon.",
                objective: "BP 128/82, HR 72, temperature 36.8 °C.",
                assessment: "Tension-type headache, likely related to screen time.",
                plan: "Hydration, breaks from screens; review in six weeks."),
            authorID: physician.id, reason: nil, audit: entry(.noteUpdate), detail: ["source": "seed"])
        guard index >= 1 else { return }
        note = try await database.withTenant(tenant, userID: physician.id) { tx in
            let signed = try await tx.notes.sign(id: noteID, expected: .oneOf([note.version]), signerID: physician.id)
            try await tx.auditEvents.record(entry(.noteSign), detail: ["source": "seed", "version": String(signed.version)])
            return signed
        }
        guard index >= 2 else { return }
        var amended = note.content
        amended.plan += " Added: ibuprofen 200 mg as needed, at most three days a week."
        _ = try await database.advanceNote(
            noteID, tenantID: tenant, expected: .oneOf([note.version]), rule: NoteLifecycle.rule(.amend), content: amended,
            authorID: physician.id, reason: "Medication advice given at the visit was missing from the plan.",
            audit: entry(.noteAmend), detail: ["source": "seed"])
    }

    /// A fixed id per seeded thing (UUID version 8 from SHA-256), so seeding is repeatable.
    static func id(_ parts: String...) -> UUID {
        var bytes = Array(SHA256.hash(data: Data(("soapstone.seed:" + parts.joined(separator: "/")).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}

extension String {
    var sha256Hex: String { SHA256.hash(data: Data(utf8)).map { String(format: "%02x", $0) }.joined() }
}

public struct SeedRefusal: Error, CustomStringConvertible {
    public var description: String {
        "refusing to seed: development accounts have a published password; only a database for development "
            + "(SOAPSTONE_ENV=development) takes them"
    }
}
