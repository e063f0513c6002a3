import Foundation

// The document makes these properties required and nullable: a client finds the key, with null
// when there is no value ("next_cursor": null on the last page). The generator gives them Swift
// optionals with synthesized Codable, whose encodeIfPresent leaves a nil out altogether
// (swift-openapi-generator issue 934). These encoders write every property, null for nil; an
// `encode(to:)` of the type's own stops the synthesized one. ContractTests checks each answer's
// keys against its schema, so a property added to the document and missing here fails there.

/// A page of a list: `{items, next_cursor}`.
protocol ListPage: Encodable {
    associatedtype Item: Encodable
    var items: [Item] { get }
    var next_cursor: String? { get }
}

private enum ListPageKeys: String, CodingKey { case items, next_cursor }

extension ListPage {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ListPageKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next_cursor, forKey: .next_cursor)
    }
}

extension Components.Schemas.UserList: ListPage {}
extension Components.Schemas.PatientList: ListPage {}
extension Components.Schemas.EncounterList: ListPage {}
extension Components.Schemas.NoteList: ListPage {}
extension Components.Schemas.NoteVersionList: ListPage {}
extension Components.Schemas.AuditEventList: ListPage {}
extension Components.Schemas.DraftNoteList: ListPage {}
extension Components.Schemas.StaffList: ListPage {}
extension Components.Schemas.CareTeamList: ListPage {}

extension Components.Schemas.Patient {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(mrn, forKey: .mrn)
        try container.encode(given_name, forKey: .given_name)
        try container.encode(family_name, forKey: .family_name)
        try container.encode(birth_date, forKey: .birth_date)
        try container.encode(sex, forKey: .sex)
        try container.encode(phone, forKey: .phone)
        try container.encode(email, forKey: .email)
        try container.encode(address, forKey: .address)
        try container.encode(active, forKey: .active)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(updated_at, forKey: .updated_at)
        try container.encode(restricted, forKey: .restricted)
        try container.encode(restriction_reason, forKey: .restriction_reason)
        try container.encode(chart_open, forKey: .chart_open)
        try container.encode(care_team, forKey: .care_team)
        try container.encode(actions, forKey: .actions)
    }
}

extension Components.Schemas.Encounter {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(patient_id, forKey: .patient_id)
        try container.encode(_type, forKey: ._type)
        try container.encode(status, forKey: .status)
        try container.encode(started_at, forKey: .started_at)
        try container.encode(ended_at, forKey: .ended_at)
        try container.encode(reason, forKey: .reason)
        try container.encode(attending_user_id, forKey: .attending_user_id)
        try container.encode(status_reason, forKey: .status_reason)
        try container.encode(draft_notes, forKey: .draft_notes)
        try container.encode(transitions, forKey: .transitions)
        try container.encode(actions, forKey: .actions)
    }
}

extension Components.Schemas.Note {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(encounter_id, forKey: .encounter_id)
        try container.encode(patient_id, forKey: .patient_id)
        try container.encode(status, forKey: .status)
        try container.encode(version, forKey: .version)
        try container.encode(subjective, forKey: .subjective)
        try container.encode(objective, forKey: .objective)
        try container.encode(assessment, forKey: .assessment)
        try container.encode(plan, forKey: .plan)
        try container.encode(author_id, forKey: .author_id)
        try container.encode(signed_by, forKey: .signed_by)
        try container.encode(signed_at, forKey: .signed_at)
        try container.encode(signed_version, forKey: .signed_version)
        try container.encode(signed_sha256, forKey: .signed_sha256)
        try container.encode(entered_in_error_reason, forKey: .entered_in_error_reason)
        try container.encode(entered_in_error_by, forKey: .entered_in_error_by)
        try container.encode(entered_in_error_at, forKey: .entered_in_error_at)
        try container.encode(unresolved_conflict, forKey: .unresolved_conflict)
        try container.encode(actions, forKey: .actions)
    }
}

extension Components.Schemas.NoteVersionSummary {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(note_id, forKey: .note_id)
        try container.encode(version, forKey: .version)
        try container.encode(author_id, forKey: .author_id)
        try container.encode(reason, forKey: .reason)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(unresolved_conflict, forKey: .unresolved_conflict)
    }
}

extension Components.Schemas.NoteVersion {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(note_id, forKey: .note_id)
        try container.encode(version, forKey: .version)
        try container.encode(subjective, forKey: .subjective)
        try container.encode(objective, forKey: .objective)
        try container.encode(assessment, forKey: .assessment)
        try container.encode(plan, forKey: .plan)
        try container.encode(author_id, forKey: .author_id)
        try container.encode(reason, forKey: .reason)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(unresolved_conflict, forKey: .unresolved_conflict)
    }
}

extension Components.Schemas.AuditEvent {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(occurred_at, forKey: .occurred_at)
        try container.encode(user_id, forKey: .user_id)
        try container.encode(role, forKey: .role)
        try container.encode(action, forKey: .action)
        try container.encode(entity_type, forKey: .entity_type)
        try container.encode(entity_id, forKey: .entity_id)
        try container.encode(patient_id, forKey: .patient_id)
        try container.encode(patient_mrn, forKey: .patient_mrn)
        try container.encode(patient_family_name, forKey: .patient_family_name)
        try container.encode(patient_given_name, forKey: .patient_given_name)
        try container.encode(ip, forKey: .ip)
        try container.encode(request_id, forKey: .request_id)
        try container.encode(client_request_id, forKey: .client_request_id)
        try container.encode(outcome, forKey: .outcome)
    }
}

extension Components.Schemas.AccessReport {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(patient, forKey: .patient)
        try container.encode(items, forKey: .items)
        try container.encode(next_cursor, forKey: .next_cursor)
    }
}

extension Components.Schemas.AccessReportEntry {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event_id, forKey: .event_id)
        try container.encode(occurred_at, forKey: .occurred_at)
        try container.encode(user_id, forKey: .user_id)
        try container.encode(user_name, forKey: .user_name)
        try container.encode(role, forKey: .role)
        try container.encode(action, forKey: .action)
        try container.encode(action_text, forKey: .action_text)
        try container.encode(entity_type, forKey: .entity_type)
        try container.encode(entity_id, forKey: .entity_id)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reason, forKey: .reason)
        try container.encode(listed, forKey: .listed)
        try container.encode(ip, forKey: .ip)
        try container.encode(request_id, forKey: .request_id)
    }
}

extension Components.Schemas.AuditVerification {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(events, forKey: .events)
        try container.encode(head, forKey: .head)
        try container.encode(first_break, forKey: .first_break)
        try container.encode(unsealed, forKey: .unsealed)
        try container.encode(oldest_unsealed_at, forKey: .oldest_unsealed_at)
    }
}

extension Components.Schemas.AuditVerification.first_breakPayload {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(event_id, forKey: .event_id)
        try container.encode(kind, forKey: .kind)
    }
}
