import Foundation

// The domain's records as the application sees them. They carry no tenant_id: a record only
// ever exists inside its tenant's transaction.

public struct Tenant: Sendable, Hashable {
    public let id: UUID
    public var name: String
    public var slug: String
    public let createdAt: Date

    public init(id: UUID, name: String, slug: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.slug = slug
        self.createdAt = createdAt
    }
}

public struct User: Sendable, Hashable {
    public let id: UUID
    public let tenantID: UUID
    public var email: String
    public var name: String
    public var role: Role
    public var active: Bool
    public let createdAt: Date

    public init(id: UUID, tenantID: UUID, email: String, name: String, role: Role, active: Bool, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.name = name
        self.role = role
        self.active = active
        self.createdAt = createdAt
    }
}

public struct Address: Sendable, Hashable {
    public var line: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2.
    public var country: String?

    public init(
        line: String? = nil, city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil
    ) {
        self.line = line
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
    }
}

/// What a patient record says; `Patient` adds what the database assigns.
public struct PatientDetails: Sendable, Hashable {
    public var mrn: String
    public var givenName: String
    public var familyName: String
    /// A calendar date, "YYYY-MM-DD": a birth date has no time zone.
    public var birthDate: String
    public var sex: AdministrativeSex
    public var phone: String?
    public var email: String?
    public var address: Address
    public var active: Bool

    public init(
        mrn: String, givenName: String, familyName: String, birthDate: String, sex: AdministrativeSex,
        phone: String? = nil, email: String? = nil, address: Address = Address(), active: Bool = true
    ) {
        self.mrn = mrn
        self.givenName = givenName
        self.familyName = familyName
        self.birthDate = birthDate
        self.sex = sex
        self.phone = phone
        self.email = email
        self.address = address
        self.active = active
    }
}

public struct Patient: Sendable, Hashable {
    public let id: UUID
    public var details: PatientDetails
    public let createdAt: Date
    public let updatedAt: Date

    public init(id: UUID, details: PatientDetails, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.details = details
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A patient as a search lists them: enough to tell patients apart and pick one. Contact
/// details and address stay in the full record, read (and audited) one patient at a time:
/// a search for "ha" is no reason to hand out twenty phone numbers and addresses.
public struct PatientSummary: Sendable, Hashable {
    public let id: UUID
    public var mrn: String
    public var givenName: String
    public var familyName: String
    public var birthDate: String
    public var sex: AdministrativeSex
    public var active: Bool

    public init(
        id: UUID, mrn: String, givenName: String, familyName: String, birthDate: String, sex: AdministrativeSex, active: Bool
    ) {
        (self.id, self.mrn, self.givenName, self.familyName, self.birthDate, self.sex, self.active) =
            (id, mrn, givenName, familyName, birthDate, sex, active)
    }
}

public struct Encounter: Sendable, Hashable {
    public let id: UUID
    public let patientID: UUID
    public var type: EncounterType
    public var status: EncounterStatus
    public var startedAt: Date?
    public var endedAt: Date?
    public var reason: String?
    public var attendingUserID: UUID?
    /// Its notes still in draft: what finishing the encounter would leave unsigned.
    public var draftNotes: Int

    public init(
        id: UUID, patientID: UUID, type: EncounterType, status: EncounterStatus, startedAt: Date?, endedAt: Date?,
        reason: String?, attendingUserID: UUID?, draftNotes: Int = 0
    ) {
        self.id = id
        self.patientID = patientID
        self.type = type
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.reason = reason
        self.attendingUserID = attendingUserID
        self.draftNotes = draftNotes
    }
}

public struct Signature: Sendable, Hashable {
    public let signedBy: UUID
    public let signedAt: Date
    public let version: Int
    public let sha256: String

    public init(signedBy: UUID, signedAt: Date, version: Int, sha256: String) {
        self.signedBy = signedBy
        self.signedAt = signedAt
        self.version = version
        self.sha256 = sha256
    }
}

/// Why a note is not to be relied on, who said so and when (`by` and `at` are unknown for
/// notes marked before they were kept).
public struct EnteredInError: Sendable, Hashable {
    public let reason: String
    public let by: UUID?
    public let at: Date?

    public init(reason: String, by: UUID?, at: Date?) {
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// A note with the content of its current version.
public struct Note: Sendable, Hashable {
    public let id: UUID
    public let encounterID: UUID
    public let patientID: UUID
    public var status: NoteStatus
    public var version: Int
    public var content: NoteContent
    public let authorID: UUID
    public var signature: Signature?
    public var enteredInError: EnteredInError?

    public init(
        id: UUID, encounterID: UUID, patientID: UUID, status: NoteStatus, version: Int, content: NoteContent,
        authorID: UUID, signature: Signature?, enteredInError: EnteredInError? = nil
    ) {
        self.id = id
        self.encounterID = encounterID
        self.patientID = patientID
        self.status = status
        self.version = version
        self.content = content
        self.authorID = authorID
        self.signature = signature
        self.enteredInError = enteredInError
    }
}

public struct NoteVersion: Sendable, Hashable {
    public let noteID: UUID
    public let version: Int
    public let content: NoteContent
    public let authorID: UUID
    public let reason: String?
    public let createdAt: Date
    public let sha256: String

    public init(
        noteID: UUID, version: Int, content: NoteContent, authorID: UUID, reason: String?, createdAt: Date, sha256: String
    ) {
        self.noteID = noteID
        self.version = version
        self.content = content
        self.authorID = authorID
        self.reason = reason
        self.createdAt = createdAt
        self.sha256 = sha256
    }
}

public enum AuditOutcome: String, Sendable, Codable, Hashable {
    case success
    case failure
    case denied
}

/// One line of the audit log: ids and codes only, never PHI.
public struct AuditEntry: Sendable, Hashable {
    public var userID: UUID?
    public var role: Role?
    public var action: AuditAction
    public var entityType: String
    public var entityID: UUID?
    public var patientID: UUID?
    public var origin: AuditOrigin
    public var outcome: AuditOutcome

    public init(
        userID: UUID?, role: Role?, action: AuditAction, entityType: String, entityID: UUID?, patientID: UUID? = nil,
        origin: AuditOrigin = .none, outcome: AuditOutcome = .success
    ) {
        self.userID = userID
        self.role = role
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.patientID = patientID
        self.origin = origin
        self.outcome = outcome
    }
}

/// Where an audited request came from: the client's address, the server's own id for the
/// request, and the id the client gave it (`X-Request-ID`), if it gave a well-formed one. The
/// server's id is always there and always the server's; the client's is kept beside it.
public struct AuditOrigin: Sendable, Hashable {
    public var ip: String?
    public var requestID: String?
    public var clientRequestID: String?

    public init(ip: String?, requestID: String?, clientRequestID: String? = nil) {
        self.ip = ip
        self.requestID = requestID
        self.clientRequestID = clientRequestID
    }

    /// Work no request asked for (the development seed).
    public static let none = AuditOrigin(ip: nil, requestID: nil)
}

/// An audit event as the log shows it: the entry, and who its patient is now, so that "who
/// looked at this patient" reads as a name, not an id.
public struct AuditEvent: Sendable, Hashable {
    public let id: UUID
    public let occurredAt: Date
    public let entry: AuditEntry
    public let patient: PatientLabel?

    public init(id: UUID, occurredAt: Date, entry: AuditEntry, patient: PatientLabel? = nil) {
        self.id = id
        self.occurredAt = occurredAt
        self.entry = entry
        self.patient = patient
    }
}

