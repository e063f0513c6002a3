SET LOCAL citus.enable_unsafe_triggers = on;

-- Migration 22's soapstone_read_patient.
DROP FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
CREATE FUNCTION soapstone_read_patient(
    tenant uuid, actor uuid, patient uuid,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS TABLE (
    id uuid, tenant_id uuid, mrn text, given_name text, family_name text, birth_date date, sex text, phone text,
    email text, address_line text, address_city text, address_region text, address_postal_code text,
    address_country text, active boolean, created_at timestamptz, updated_at timestamptz
)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    RETURN QUERY
    SELECT p.id, p.tenant_id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.phone, p.email,
           p.address_line, p.address_city, p.address_region, p.address_postal_code, p.address_country, p.active,
           p.created_at, p.updated_at
      FROM api_patients p WHERE p.tenant_id = tenant AND p.id = patient;
    IF FOUND THEN
        PERFORM soapstone_record_audit(tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
                                       audit_patient_id, audit_ip, audit_request_id, audit_client_request_id,
                                       audit_outcome, audit_detail);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;

-- Migration 16's soapstone_set_tenant, with its grants (migrations 16 and 29).
DROP FUNCTION soapstone_set_tenant(uuid, uuid, boolean);
DROP FUNCTION soapstone_open_charts(uuid, uuid);
CREATE FUNCTION soapstone_set_tenant(tenant uuid, actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'soapstone_set_tenant needs a tenant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE format('SET LOCAL app.tenant_id = %L', tenant);
    EXECUTE format('SET LOCAL app.user_id = %L', coalesce(actor::text, ''));
END
$$;
REVOKE ALL ON FUNCTION soapstone_set_tenant(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_set_tenant(uuid, uuid) TO soapstone_app, soapstone_auth;

ALTER TABLE tenants DROP COLUMN emergency_access_minutes;
DROP VIEW api_emergency_access_grants;
DROP VIEW api_care_team_members;
DROP TABLE emergency_access_grants;
DROP TABLE care_team_members;

-- The views as migrations 1, 27 and 28 left them (a view loses no column by CREATE OR REPLACE).
DROP VIEW api_patients;
CREATE VIEW api_patients WITH (security_invoker = true) AS
    SELECT id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email,
           address_line, address_city, address_region, address_postal_code, address_country,
           active, created_at, updated_at
    FROM patients;
DROP VIEW api_encounters;
CREATE VIEW api_encounters WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, type, status, started_at, ended_at, reason,
           attending_user_id, created_at, updated_at, status_reason
    FROM encounters;
DROP VIEW api_notes;
CREATE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at,
           v.unresolved_conflict
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;
DROP VIEW api_note_versions;
CREATE VIEW api_note_versions WITH (security_invoker = true) AS
    SELECT note_id, tenant_id, version, subjective, objective, assessment, plan,
           author_id, reason, created_at, sha256, unresolved_conflict
    FROM note_versions;
GRANT SELECT ON api_patients, api_encounters, api_notes, api_note_versions TO soapstone_app;

DROP TRIGGER patients_restriction_followed ON patients;
-- Owned by soapstone_restriction: dropped as a member of it, for that moment only.
GRANT soapstone_restriction TO CURRENT_USER;
DROP FUNCTION soapstone_follow_restriction();
REVOKE soapstone_restriction FROM CURRENT_USER;
DROP POLICY restriction_follows_read ON encounters;
DROP POLICY restriction_follows ON encounters;
DROP POLICY restriction_follows_read ON notes;
DROP POLICY restriction_follows ON notes;
DROP POLICY restriction_follows_read ON note_versions;
DROP POLICY restriction_follows ON note_versions;
REVOKE ALL ON encounters, notes, note_versions FROM soapstone_restriction;

ALTER POLICY tenant_isolation ON encounters
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON notes
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_read ON note_versions USING (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_append ON note_versions WITH CHECK (tenant_id = soapstone_current_tenant());

DROP TRIGGER notes_lifecycle ON notes;
CREATE TRIGGER notes_lifecycle BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION enforce_note_lifecycle();

-- Migration 4's version check.
CREATE OR REPLACE FUNCTION check_note_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    note_status text;
    note_version integer;
BEGIN
    SELECT status, current_version INTO note_status, note_version
      FROM notes WHERE tenant_id = NEW.tenant_id AND id = NEW.note_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports it
    END IF;
    IF NEW.version <> note_version THEN
        RAISE EXCEPTION 'version % is not the note''s current version %', NEW.version, note_version USING ERRCODE = 'SS002';
    END IF;
    IF note_status = 'entered_in_error' THEN
        RAISE EXCEPTION 'a note entered in error gets no new version' USING ERRCODE = 'SS002';
    END IF;
    IF note_status = 'amended' AND NEW.reason IS NULL THEN
        RAISE EXCEPTION 'an amendment needs a reason' USING ERRCODE = 'SS002';
    END IF;
    IF note_status = 'signed' THEN
        RAISE EXCEPTION 'a signed note changes only by amendment' USING ERRCODE = 'SS002';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER encounters_restriction ON encounters;
DROP TRIGGER notes_restriction ON notes;
DROP FUNCTION soapstone_take_restriction();
DROP FUNCTION soapstone_sees_patient(boolean, uuid);
REVOKE ALL ON FUNCTION soapstone_current_tenant() FROM soapstone_restriction;

DROP TRIGGER note_versions_write_once ON note_versions;
DROP FUNCTION reject_change_of_version();
ALTER TABLE note_versions DROP COLUMN restricted;
ALTER TABLE note_versions DROP COLUMN patient_id;
CREATE TRIGGER note_versions_write_once BEFORE UPDATE OR DELETE ON note_versions
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();

ALTER TABLE notes DROP CONSTRAINT notes_tenant_id_patient_id_id_key;
ALTER TABLE notes DROP COLUMN restricted;
ALTER TABLE encounters DROP COLUMN restricted;
ALTER TABLE patients DROP CONSTRAINT patients_restricted_with_reason;
ALTER TABLE patients DROP CONSTRAINT patients_restriction_reason;
ALTER TABLE patients DROP COLUMN restriction_reason;
ALTER TABLE patients DROP COLUMN restricted;
REVOKE USAGE ON SCHEMA public FROM soapstone_restriction;
