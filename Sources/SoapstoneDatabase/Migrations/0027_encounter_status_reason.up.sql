-- Why an encounter was marked entered in error, in a field of its own: `reason` is the visit's
-- (why the patient came), and overwriting it would erase that. The server asks for it with the
-- change to entered_in_error (EncounterLifecycle); encounters voided before this migration
-- have none, so the column's CHECK only bounds it. The column and its constraint are two ALTERs:
-- Citus refuses a column added with an unnamed constraint.
ALTER TABLE encounters ADD COLUMN status_reason text;
ALTER TABLE encounters ADD CONSTRAINT encounters_status_reason_length
    CHECK (length(btrim(status_reason)) BETWEEN 1 AND 1000);

CREATE OR REPLACE VIEW api_encounters WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, type, status, started_at, ended_at, reason,
           attending_user_id, created_at, updated_at, status_reason
    FROM encounters;
