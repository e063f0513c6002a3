DROP VIEW api_notes;
CREATE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;
GRANT SELECT ON api_notes TO soapstone_app;
ALTER TABLE notes DROP CONSTRAINT notes_entered_in_error_marked;
ALTER TABLE notes DROP CONSTRAINT notes_entered_in_error_by_fkey;
ALTER TABLE notes DROP COLUMN entered_in_error_at;
ALTER TABLE notes DROP COLUMN entered_in_error_by;
