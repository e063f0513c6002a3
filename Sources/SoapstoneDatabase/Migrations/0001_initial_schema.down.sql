-- Removes everything 0001_initial_schema.up.sql created in this database. The role
-- soapstone_app is cluster-wide and may serve other databases, so it stays; it loses every
-- privilege it had here.

REVOKE SELECT ON schema_migrations FROM soapstone_app;
REVOKE EXECUTE ON FUNCTION note_content_sha256(text, text, text, text) FROM soapstone_app;
REVOKE USAGE ON SCHEMA public FROM soapstone_app;

DROP VIEW api_audit_events, api_note_versions, api_notes, api_encounters, api_patients,
          api_users, api_tenants;

-- notes and note_versions reference each other, so they go in one statement.
DROP TABLE audit_events;
DROP TABLE note_versions, notes;
DROP TABLE encounters;
DROP TABLE patients;
DROP TABLE users;
DROP TABLE tenants;

DROP FUNCTION stamp_note_version();
DROP FUNCTION note_content_sha256(text, text, text, text);
DROP FUNCTION reject_change_of_immutable_row();
DROP FUNCTION set_updated_at();

ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
