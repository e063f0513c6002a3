-- Restricted records (issue 32). A patient may be restricted: their demographics stay findable,
-- but their clinical rows (encounters, notes, note versions) are seen only by the care team and
-- by holders of a live emergency grant. PostgreSQL enforces it in the policies, as it enforces
-- the tenant, so a handler's bug cannot show a restricted chart.
--
-- The policies may read no table (rule 2, and Citus refuses sub-queries in policies). So:
-- - each clinical row carries the patient's `restricted` flag, copied by the database when the
--   row is written and kept in step when the patient's restriction changes;
-- - soapstone_set_tenant puts the ids of the restricted patients the acting user may open (care
--   team and live grants, few) into the transaction-local setting app.open_patients;
-- - the policies add `soapstone_sees_patient(restricted, patient_id)`: not restricted, or one of
--   those ids. An unrestricted row costs one boolean test.

SET LOCAL citus.enable_unsafe_triggers = on;

-- The role that keeps the copied flags in step: it updates only `restricted`, through one
-- SECURITY DEFINER trigger function it owns, and sees only the tenant of the transaction. Like
-- soapstone_auth it cannot log in and has no members (docs/design.md, rule 10).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'soapstone_restriction') THEN
        CREATE ROLE soapstone_restriction NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO soapstone_restriction;

ALTER TABLE patients ADD COLUMN restricted boolean NOT NULL DEFAULT false;
ALTER TABLE patients ADD COLUMN restriction_reason text;
ALTER TABLE patients ADD CONSTRAINT patients_restriction_reason
    CHECK (restriction_reason IS NULL OR length(btrim(restriction_reason)) BETWEEN 1 AND 500);
ALTER TABLE patients ADD CONSTRAINT patients_restricted_with_reason
    CHECK (NOT restricted OR restriction_reason IS NOT NULL);

ALTER TABLE encounters ADD COLUMN restricted boolean NOT NULL DEFAULT false;
ALTER TABLE notes ADD COLUMN restricted boolean NOT NULL DEFAULT false;
-- Lets a version prove that its patient is its note's patient.
ALTER TABLE notes ADD CONSTRAINT notes_tenant_id_patient_id_id_key UNIQUE (tenant_id, patient_id, id);

-- A version names its patient, so that its policy can compare it (the note's patient, filled in
-- by check_note_version below). Existing versions get it here, past RLS and past the write-once
-- trigger, which is replaced below.
DROP TRIGGER note_versions_write_once ON note_versions;
ALTER TABLE note_versions ADD COLUMN patient_id uuid;
ALTER TABLE note_versions ADD COLUMN restricted boolean NOT NULL DEFAULT false;
ALTER TABLE note_versions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notes NO FORCE ROW LEVEL SECURITY;
UPDATE note_versions v SET patient_id = n.patient_id
  FROM notes n
 WHERE n.tenant_id = v.tenant_id AND n.id = v.note_id;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
ALTER TABLE note_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE note_versions ALTER COLUMN patient_id SET NOT NULL;
ALTER TABLE note_versions ADD FOREIGN KEY (tenant_id, patient_id, note_id) REFERENCES notes (tenant_id, patient_id, id);

-- Still write-once for every role, owner and superuser included, but for the one change the
-- restriction role makes: the copied flag (soapstone_follow_restriction sets nothing else).
CREATE FUNCTION reject_change_of_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_user = 'soapstone_restriction' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: its rows are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'SS001',
              HINT = 'Write a new row instead (a new note version, a new audit event).';
END
$$;
REVOKE ALL ON FUNCTION reject_change_of_version() FROM PUBLIC;
CREATE TRIGGER note_versions_write_once BEFORE UPDATE OR DELETE ON note_versions
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_version();

-- The condition the policies add. SQL, STABLE, no SET clause, only pg_catalog names: the
-- planner inlines it like soapstone_current_tenant(). No setting (no user, or no tenant set
-- through soapstone_set_tenant) opens nothing.
CREATE FUNCTION soapstone_sees_patient(restricted boolean, patient uuid) RETURNS boolean
    LANGUAGE sql
    STABLE PARALLEL SAFE
AS $$
    SELECT NOT restricted
        OR patient OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(
               pg_catalog.current_setting('app.open_patients', true), ',')::pg_catalog.uuid[])
$$;
REVOKE ALL ON FUNCTION soapstone_sees_patient(boolean, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_sees_patient(boolean, uuid) TO soapstone_app, soapstone_auth, soapstone_restriction;
GRANT EXECUTE ON FUNCTION soapstone_current_tenant() TO soapstone_restriction;

-- An encounter or a note takes its patient's flag when written; afterwards only the
-- restriction role changes it, following the patient.
CREATE FUNCTION soapstone_take_restriction() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Patients are never hidden within their tenant: no row here means no such patient,
        -- which the foreign key reports.
        NEW.restricted := coalesce((SELECT p.restricted FROM public.patients p
                                     WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.patient_id), false);
    ELSIF NEW.restricted IS DISTINCT FROM OLD.restricted AND current_user <> 'soapstone_restriction' THEN
        RAISE EXCEPTION 'restricted follows the patient''s restriction on %', TG_TABLE_NAME
            USING ERRCODE = 'SS003', HINT = 'Restrict or release the patient instead.';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION soapstone_take_restriction() FROM PUBLIC;
CREATE TRIGGER encounters_restriction BEFORE INSERT OR UPDATE OF restricted ON encounters
    FOR EACH ROW EXECUTE FUNCTION soapstone_take_restriction();
CREATE TRIGGER notes_restriction BEFORE INSERT OR UPDATE OF restricted ON notes
    FOR EACH ROW EXECUTE FUNCTION soapstone_take_restriction();

-- Migration 4's check of a new version, which reads the note anyway, now also gives the version
-- its note's patient and flag, never the writer's.
CREATE OR REPLACE FUNCTION check_note_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    note_status text;
    note_version integer;
BEGIN
    SELECT status, current_version, patient_id, restricted
      INTO note_status, note_version, NEW.patient_id, NEW.restricted
      FROM notes WHERE tenant_id = NEW.tenant_id AND id = NEW.note_id;
    IF NOT FOUND THEN
        IF NEW.tenant_id IS DISTINCT FROM soapstone_current_tenant() THEN
            RETURN NEW;  -- another tenant's row: the tenant policy refuses it
        END IF;
        -- No such note, or one the policies hide, which is reported alike: a hidden note's
        -- version must not be written with whatever patient and flag the writer sent.
        RAISE EXCEPTION 'note % is not on record', NEW.note_id USING ERRCODE = 'foreign_key_violation';
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

-- The lifecycle (migration 28's enforce_note_lifecycle) is not asked about a change of the
-- copied flag: a note entered in error is restricted with its patient too. Only the restriction
-- role can make that change (soapstone_take_restriction refuses everyone else), and it changes
-- nothing else.
DROP TRIGGER notes_lifecycle ON notes;
CREATE TRIGGER notes_lifecycle BEFORE UPDATE ON notes
    FOR EACH ROW WHEN (OLD.restricted IS NOT DISTINCT FROM NEW.restricted) EXECUTE FUNCTION enforce_note_lifecycle();

-- The policies: the tenant, and for clinical rows the restriction.
ALTER POLICY tenant_isolation ON encounters
    USING (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id))
    WITH CHECK (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id));
ALTER POLICY tenant_isolation ON notes
    USING (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id))
    WITH CHECK (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id));
ALTER POLICY tenant_read ON note_versions
    USING (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id));
ALTER POLICY tenant_append ON note_versions
    WITH CHECK (tenant_id = soapstone_current_tenant() AND soapstone_sees_patient(restricted, patient_id));

-- What the restriction role may do: read and update the rows of the transaction's tenant,
-- restricted or not (it must reach the rows it releases).
GRANT SELECT, UPDATE ON encounters, notes, note_versions TO soapstone_restriction;
CREATE POLICY restriction_follows_read ON encounters FOR SELECT TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant());
CREATE POLICY restriction_follows ON encounters FOR UPDATE TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
CREATE POLICY restriction_follows_read ON notes FOR SELECT TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant());
CREATE POLICY restriction_follows ON notes FOR UPDATE TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
CREATE POLICY restriction_follows_read ON note_versions FOR SELECT TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant());
CREATE POLICY restriction_follows ON note_versions FOR UPDATE TO soapstone_restriction
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());

-- When a patient is restricted or released, their clinical rows follow in the same statement,
-- whoever changed the patient, under the patient's tenant.
CREATE FUNCTION soapstone_follow_restriction() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog
AS $$
DECLARE
    context text := current_setting('app.tenant_id', true);
BEGIN
    -- Under the patient's tenant whoever wrote the patient (a superuser or a migration may have
    -- set no tenant), and back to the transaction's own afterwards.
    IF context IS DISTINCT FROM NEW.tenant_id::text THEN
        EXECUTE format('SET LOCAL app.tenant_id = %L', NEW.tenant_id);
    END IF;
    UPDATE public.encounters SET restricted = NEW.restricted
     WHERE tenant_id = NEW.tenant_id AND patient_id = NEW.id AND restricted <> NEW.restricted;
    UPDATE public.notes SET restricted = NEW.restricted
     WHERE tenant_id = NEW.tenant_id AND patient_id = NEW.id AND restricted <> NEW.restricted;
    UPDATE public.note_versions SET restricted = NEW.restricted
     WHERE tenant_id = NEW.tenant_id AND patient_id = NEW.id AND restricted <> NEW.restricted;
    IF context IS DISTINCT FROM NEW.tenant_id::text THEN
        EXECUTE format('SET LOCAL app.tenant_id = %L', coalesce(context, ''));
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION soapstone_follow_restriction() FROM PUBLIC;
-- The trigger first: creating it takes EXECUTE on the function, which the migrating role keeps
-- only while it owns it.
CREATE TRIGGER patients_restriction_followed AFTER UPDATE OF restricted ON patients
    FOR EACH ROW WHEN (OLD.restricted IS DISTINCT FROM NEW.restricted)
    EXECUTE FUNCTION soapstone_follow_restriction();
GRANT soapstone_restriction TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_restriction;
ALTER FUNCTION soapstone_follow_restriction() OWNER TO soapstone_restriction;
REVOKE CREATE ON SCHEMA public FROM soapstone_restriction;
REVOKE soapstone_restriction FROM CURRENT_USER;

-- Who treats a patient. A member is removed by marking the row, so the team's history stays.
CREATE TABLE care_team_members (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id   uuid        NOT NULL,
    patient_id  uuid        NOT NULL,
    user_id     uuid        NOT NULL,
    added_by    uuid        NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    removed_by  uuid,
    removed_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT care_team_members_removal_complete CHECK ((removed_by IS NULL) = (removed_at IS NULL))
);
SELECT soapstone_colocate('care_team_members', 'patients');
ALTER TABLE care_team_members ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE care_team_members ADD FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id);
ALTER TABLE care_team_members ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);
ALTER TABLE care_team_members ADD FOREIGN KEY (tenant_id, added_by) REFERENCES users (tenant_id, id);
ALTER TABLE care_team_members ADD FOREIGN KEY (tenant_id, removed_by) REFERENCES users (tenant_id, id);
CREATE UNIQUE INDEX care_team_members_current_key ON care_team_members (tenant_id, patient_id, user_id)
    WHERE removed_at IS NULL;
CREATE INDEX care_team_members_user_idx ON care_team_members (tenant_id, user_id) INCLUDE (patient_id)
    WHERE removed_at IS NULL;
CREATE TRIGGER care_team_members_only_removal_changes BEFORE UPDATE ON care_team_members
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('removed_by', 'removed_at');

-- Break the glass: a user's grant on one patient, with the reason, until it expires; reviewed
-- afterwards by someone else.
CREATE TABLE emergency_access_grants (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id       uuid        NOT NULL,
    patient_id      uuid        NOT NULL,
    user_id         uuid        NOT NULL,
    reason          text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 10 AND 500),
    granted_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    reviewed_by     uuid,
    reviewed_at     timestamptz,
    review_outcome  text        CHECK (review_outcome IN ('justified', 'not_justified')),
    review_note     text        CHECK (length(review_note) <= 2000),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT emergency_access_grants_expiry CHECK (expires_at > granted_at AND expires_at <= granted_at + interval '8 hours'),
    CONSTRAINT emergency_access_grants_review_complete
        CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL) AND (reviewed_at IS NULL) = (review_outcome IS NULL)),
    CONSTRAINT emergency_access_grants_not_self_reviewed CHECK (reviewed_by <> user_id)
);
SELECT soapstone_colocate('emergency_access_grants', 'patients');
ALTER TABLE emergency_access_grants ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE emergency_access_grants ADD FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id);
ALTER TABLE emergency_access_grants ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);
ALTER TABLE emergency_access_grants ADD FOREIGN KEY (tenant_id, reviewed_by) REFERENCES users (tenant_id, id);
CREATE INDEX emergency_access_grants_user_idx ON emergency_access_grants (tenant_id, user_id, expires_at)
    INCLUDE (patient_id);
CREATE INDEX emergency_access_grants_unreviewed_idx ON emergency_access_grants (tenant_id, granted_at)
    WHERE reviewed_at IS NULL;
CREATE TRIGGER emergency_access_grants_only_review_changes BEFORE UPDATE ON emergency_access_grants
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('reviewed_by', 'reviewed_at', 'review_outcome', 'review_note');

ALTER TABLE care_team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE care_team_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON care_team_members
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER TABLE emergency_access_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE emergency_access_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON emergency_access_grants
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());

CREATE VIEW api_care_team_members WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, user_id, added_by, added_at, removed_by, removed_at FROM care_team_members;
CREATE VIEW api_emergency_access_grants WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, user_id, reason, granted_at, expires_at, reviewed_by, reviewed_at,
           review_outcome, review_note
      FROM emergency_access_grants;
GRANT SELECT, INSERT, UPDATE ON care_team_members, emergency_access_grants TO soapstone_app;
GRANT SELECT ON api_care_team_members, api_emergency_access_grants TO soapstone_app;

-- The views show the restriction: a patient's, and the flag the clinical rows carry.
CREATE OR REPLACE VIEW api_patients WITH (security_invoker = true) AS
    SELECT id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email,
           address_line, address_city, address_region, address_postal_code, address_country,
           active, created_at, updated_at, restricted, restriction_reason
    FROM patients;
CREATE OR REPLACE VIEW api_encounters WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, type, status, started_at, ended_at, reason,
           attending_user_id, created_at, updated_at, status_reason, restricted
    FROM encounters;
CREATE OR REPLACE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at,
           v.unresolved_conflict, n.restricted
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;
CREATE OR REPLACE VIEW api_note_versions WITH (security_invoker = true) AS
    SELECT note_id, tenant_id, version, subjective, objective, assessment, plan,
           author_id, reason, created_at, sha256, unresolved_conflict, patient_id, restricted
    FROM note_versions;

-- How long a clinic's emergency grants last (GET/PUT /v1/settings/emergency-access).
ALTER TABLE tenants ADD COLUMN emergency_access_minutes integer NOT NULL DEFAULT 60;
ALTER TABLE tenants ADD CONSTRAINT tenants_emergency_access_minutes CHECK (emergency_access_minutes BETWEEN 1 AND 480);

-- The restricted patients the acting user may open: those whose care team they are on and those
-- they hold an unexpired grant for, while their role is one that treats (physician, nurse). One
-- statement, routed by tenant on Citus, into app.open_patients with SET LOCAL as the tenant is.
CREATE FUNCTION soapstone_open_charts(tenant uuid, actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
DECLARE
    opened text;
BEGIN
    SELECT string_agg(s.patient_id::text, ',') INTO opened
      FROM public.users u
     CROSS JOIN LATERAL (
            SELECT m.patient_id FROM public.care_team_members m
             WHERE m.tenant_id = tenant AND m.user_id = actor AND m.removed_at IS NULL
            UNION ALL
            SELECT g.patient_id FROM public.emergency_access_grants g
             WHERE g.tenant_id = tenant AND g.user_id = actor AND g.expires_at > now()
           ) s
     WHERE u.tenant_id = tenant AND u.id = actor AND u.active AND u.role IN ('physician', 'nurse');
    IF opened IS NOT NULL THEN
        EXECUTE format('SET LOCAL app.open_patients = %L', opened);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_open_charts(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_open_charts(uuid, uuid) TO soapstone_app;

-- Migration 16's soapstone_set_tenant, which now also opens the acting user's charts unless told
-- not to: a request that reads no clinical row (a patient's demographics) skips that lookup,
-- and a restricted chart then stays closed, never open. No acting user (the sealer, the
-- migrations) opens nothing. What an earlier call of the transaction opened is closed first.
DROP FUNCTION soapstone_set_tenant(uuid, uuid);
CREATE FUNCTION soapstone_set_tenant(tenant uuid, actor uuid, open_charts boolean DEFAULT true) RETURNS void
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
    IF current_setting('app.open_patients', true) <> '' THEN
        SET LOCAL app.open_patients = '';
    END IF;
    IF open_charts AND actor IS NOT NULL THEN
        PERFORM public.soapstone_open_charts(tenant, actor);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_set_tenant(uuid, uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_set_tenant(uuid, uuid, boolean) TO soapstone_app, soapstone_auth;

-- GET /v1/patients/{id} (migration 22's function) answers the restriction too, and whether the
-- caller's transaction opens the chart: the policies' own condition, asked once. It reads
-- demographics only, so the charts the caller may open are looked up for a restricted patient
-- alone, not on every read.
DROP FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
CREATE FUNCTION soapstone_read_patient(
    tenant uuid, actor uuid, patient uuid,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS TABLE (
    id uuid, tenant_id uuid, mrn text, given_name text, family_name text, birth_date date, sex text, phone text,
    email text, address_line text, address_city text, address_region text, address_postal_code text,
    address_country text, active boolean, created_at timestamptz, updated_at timestamptz, restricted boolean,
    restriction_reason text, chart_open boolean
)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    patient_row record;
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor, false);
    SELECT p.* INTO patient_row FROM api_patients p WHERE p.tenant_id = tenant AND p.id = patient;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF patient_row.restricted AND actor IS NOT NULL THEN
        PERFORM soapstone_open_charts(tenant, actor);
    END IF;
    RETURN QUERY
    SELECT patient_row.id, patient_row.tenant_id, patient_row.mrn, patient_row.given_name, patient_row.family_name,
           patient_row.birth_date, patient_row.sex, patient_row.phone, patient_row.email, patient_row.address_line,
           patient_row.address_city, patient_row.address_region, patient_row.address_postal_code,
           patient_row.address_country, patient_row.active, patient_row.created_at, patient_row.updated_at,
           patient_row.restricted, patient_row.restriction_reason,
           coalesce(soapstone_sees_patient(patient_row.restricted, patient_row.id), false);
    PERFORM soapstone_record_audit(tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
                                   audit_patient_id, audit_ip, audit_request_id, audit_client_request_id,
                                   audit_outcome, audit_detail);
END
$$;
REVOKE ALL ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;
