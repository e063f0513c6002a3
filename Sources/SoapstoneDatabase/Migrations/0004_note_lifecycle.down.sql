-- Removes what 0004_note_lifecycle.up.sql created.
DROP TRIGGER note_versions_follow_note ON note_versions;
DROP FUNCTION check_note_version();
DROP TRIGGER notes_lifecycle ON notes;
DROP FUNCTION enforce_note_lifecycle();

DROP VIEW api_notes;
CREATE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;
GRANT SELECT ON api_notes TO soapstone_app;

ALTER TABLE notes DROP CONSTRAINT notes_error_reason_with_status;
ALTER TABLE notes DROP COLUMN entered_in_error_reason;
