-- Who marked a note entered in error, and when: its reason was kept (migration 4), these were
-- only in the audit log, so the note could not show its own provenance. Notes marked before
-- this migration keep NULL here; the audit log still has them.
ALTER TABLE notes ADD COLUMN entered_in_error_by uuid;
ALTER TABLE notes ADD COLUMN entered_in_error_at timestamptz;
ALTER TABLE notes ADD CONSTRAINT notes_entered_in_error_by_fkey
    FOREIGN KEY (tenant_id, entered_in_error_by) REFERENCES users (tenant_id, id);
ALTER TABLE notes ADD CONSTRAINT notes_entered_in_error_marked
    CHECK (status = 'entered_in_error' OR (entered_in_error_by IS NULL AND entered_in_error_at IS NULL));

CREATE OR REPLACE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;
