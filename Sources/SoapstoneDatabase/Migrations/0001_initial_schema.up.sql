-- Soapstone initial schema: the tenant tables, Row-Level Security, the api_ views and the
-- runtime role. Read DESIGN.md ("Database contract") for the nine rules this file follows.
-- Runs in one transaction, as the role that will own the tables (never as soapstone_app).

-- The runtime role. Roles are cluster-wide, so another database may have created it already;
-- two migrators in two databases may also race here, hence the duplicate_object guard.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'soapstone_app') THEN
        CREATE ROLE soapstone_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;

-- Functions created from here on are not executable by PUBLIC unless granted.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Keeps updated_at honest whatever the client sends.
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- Write-once tables (note_versions) and append-only tables (audit_events) reject every change
-- after the INSERT, for every role, the owner and superusers included. Statement-level, so it
-- fires even when RLS leaves no row to touch.
CREATE FUNCTION reject_change_of_immutable_row() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: its rows are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'SS001',
              HINT = 'Write a new row instead (a new note version, a new audit event).';
END
$$;

-- The SHA-256 of a note version's content, as lowercase hex. Each section is written as its
-- UTF-8 byte length, a colon, its bytes and a newline, in SOAP order, so no two different
-- contents hash alike. SoapstoneCore.NoteContent.sha256 computes the same value.
CREATE FUNCTION note_content_sha256(subjective text, objective text, assessment text, plan text)
    RETURNS text
    LANGUAGE sql
    IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
    SELECT encode(sha256(convert_to(
        octet_length(convert_to(subjective, 'UTF8')) || ':' || subjective || E'\n' ||
        octet_length(convert_to(objective, 'UTF8')) || ':' || objective || E'\n' ||
        octet_length(convert_to(assessment, 'UTF8')) || ':' || assessment || E'\n' ||
        octet_length(convert_to(plan, 'UTF8')) || ':' || plan || E'\n',
        'UTF8')), 'hex')
$$;

-- The database, not the client, computes a version's hash and its creation time.
CREATE FUNCTION stamp_note_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
BEGIN
    NEW.sha256 := note_content_sha256(NEW.subjective, NEW.objective, NEW.assessment, NEW.plan);
    NEW.created_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE tenants (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id   uuid        NOT NULL,
    name        text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    slug        text        NOT NULL CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_tenant_is_self CHECK (tenant_id = id),
    PRIMARY KEY (tenant_id)
);
-- The one index that cannot lead with tenant_id: an organisation's slug names it at login,
-- before any tenant is known, and must be unique across tenants.
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);

CREATE TABLE users (
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id         uuid        NOT NULL REFERENCES tenants (tenant_id),
    email             text        NOT NULL CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    name              text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role              text        NOT NULL CHECK (role IN ('admin', 'physician', 'nurse', 'front_desk', 'auditor')),
    password_hash     text        NOT NULL,
    active            boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE patients (
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id            uuid        NOT NULL REFERENCES tenants (tenant_id),
    mrn                  text        NOT NULL CHECK (length(btrim(mrn)) BETWEEN 1 AND 64),
    given_name           text        NOT NULL CHECK (length(btrim(given_name)) BETWEEN 1 AND 200),
    family_name          text        NOT NULL CHECK (length(btrim(family_name)) BETWEEN 1 AND 200),
    birth_date           date        NOT NULL CHECK (birth_date >= DATE '1850-01-01'),
    sex                  text        NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),
    phone                text        CHECK (length(phone) <= 50),
    email                text        CHECK (length(email) <= 254),
    address_line         text        CHECK (length(address_line) <= 500),
    address_city         text        CHECK (length(address_city) <= 200),
    address_region       text        CHECK (length(address_region) <= 200),
    address_postal_code  text        CHECK (length(address_postal_code) <= 20),
    address_country      text        CHECK (address_country ~ '^[A-Z]{2}$'),
    active               boolean     NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, mrn)
);

CREATE TABLE encounters (
    id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id          uuid        NOT NULL REFERENCES tenants (tenant_id),
    patient_id         uuid        NOT NULL,
    type               text        NOT NULL CHECK (type IN ('in_person', 'telemedicine', 'phone')),
    status             text        NOT NULL DEFAULT 'planned'
                                   CHECK (status IN ('planned', 'in_progress', 'finished', 'cancelled', 'entered_in_error')),
    started_at         timestamptz,
    ended_at           timestamptz,
    reason             text        CHECK (length(reason) <= 1000),
    attending_user_id  uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- Lets notes prove that their patient is the encounter's patient.
    UNIQUE (tenant_id, patient_id, id),
    FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id),
    FOREIGN KEY (tenant_id, attending_user_id) REFERENCES users (tenant_id, id),
    CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at)
);

CREATE TABLE notes (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id        uuid        NOT NULL REFERENCES tenants (tenant_id),
    encounter_id     uuid        NOT NULL,
    patient_id       uuid        NOT NULL,
    status           text        NOT NULL DEFAULT 'draft'
                                 CHECK (status IN ('draft', 'signed', 'amended', 'entered_in_error')),
    current_version  integer     NOT NULL CHECK (current_version >= 1),
    author_id        uuid        NOT NULL,
    signed_by        uuid,
    signed_at        timestamptz,
    signed_version   integer,
    signed_sha256    text        CHECK (signed_sha256 ~ '^[0-9a-f]{64}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, patient_id, encounter_id) REFERENCES encounters (tenant_id, patient_id, id),
    FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, signed_by) REFERENCES users (tenant_id, id),
    -- A signature is all there or not there at all.
    CONSTRAINT notes_signature_complete CHECK (
        (signed_by IS NULL AND signed_at IS NULL AND signed_version IS NULL AND signed_sha256 IS NULL)
        OR (signed_by IS NOT NULL AND signed_at IS NOT NULL AND signed_version IS NOT NULL AND signed_sha256 IS NOT NULL)),
    CONSTRAINT notes_signed_status_has_signature CHECK (status NOT IN ('signed', 'amended') OR signed_by IS NOT NULL)
);

CREATE TABLE note_versions (
    tenant_id    uuid        NOT NULL REFERENCES tenants (tenant_id),
    note_id      uuid        NOT NULL,
    version      integer     NOT NULL CHECK (version >= 1),
    subjective   text        NOT NULL DEFAULT '' CHECK (length(subjective) <= 100000),
    objective    text        NOT NULL DEFAULT '' CHECK (length(objective) <= 100000),
    assessment   text        NOT NULL DEFAULT '' CHECK (length(assessment) <= 100000),
    plan         text        NOT NULL DEFAULT '' CHECK (length(plan) <= 100000),
    author_id    uuid        NOT NULL,
    reason       text        CHECK (length(reason) <= 1000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (tenant_id, note_id, version),
    FOREIGN KEY (tenant_id, note_id) REFERENCES notes (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
);

-- A note always points at a version of its own; deferred, because the note and its first
-- version are written in the same transaction.
ALTER TABLE notes
    ADD FOREIGN KEY (tenant_id, id, current_version)
        REFERENCES note_versions (tenant_id, note_id, version) DEFERRABLE INITIALLY DEFERRED,
    ADD FOREIGN KEY (tenant_id, id, signed_version)
        REFERENCES note_versions (tenant_id, note_id, version) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE audit_events (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id    uuid        NOT NULL REFERENCES tenants (tenant_id),
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    user_id      uuid,
    role         text        CHECK (role IN ('admin', 'physician', 'nurse', 'front_desk', 'auditor')),
    action       text        NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
    entity_type  text        NOT NULL CHECK (entity_type ~ '^[a-z_]+$'),
    entity_id    uuid,
    patient_id   uuid,
    ip           inet,
    request_id   text        CHECK (length(request_id) <= 200),
    outcome      text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    -- Ids and codes only: never names, note text or other PHI.
    detail       jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);

-- Indexes beyond the keys, each leading with tenant_id.
CREATE INDEX encounters_patient_idx ON encounters (tenant_id, patient_id, started_at DESC);
CREATE INDEX notes_encounter_idx ON notes (tenant_id, encounter_id, created_at);
CREATE INDEX notes_patient_idx ON notes (tenant_id, patient_id);
CREATE INDEX audit_events_time_idx ON audit_events (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_patient_idx ON audit_events (tenant_id, patient_id, occurred_at DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_user_idx ON audit_events (tenant_id, user_id, occurred_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX audit_events_entity_idx ON audit_events (tenant_id, entity_id, occurred_at DESC) WHERE entity_id IS NOT NULL;

CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER patients_updated_at BEFORE UPDATE ON patients FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER encounters_updated_at BEFORE UPDATE ON encounters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER notes_updated_at BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER note_versions_stamp BEFORE INSERT ON note_versions FOR EACH ROW EXECUTE FUNCTION stamp_note_version();
CREATE TRIGGER note_versions_write_once BEFORE UPDATE OR DELETE ON note_versions
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER note_versions_no_truncate BEFORE TRUNCATE ON note_versions
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();

-- Row-Level Security. The sub-select makes PostgreSQL read the setting once per statement;
-- nullif turns the empty string a finished transaction leaves behind into NULL, and
-- tenant_id = NULL is never true: without a tenant context nothing is seen or written.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

ALTER TABLE patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE patients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patients
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

ALTER TABLE encounters ENABLE ROW LEVEL SECURITY;
ALTER TABLE encounters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON encounters
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

-- The immutable tables get read and insert policies only: with no UPDATE or DELETE policy
-- RLS itself refuses those commands, besides the grants and the triggers.
ALTER TABLE note_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE note_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON note_versions FOR SELECT
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
CREATE POLICY tenant_append ON note_versions FOR INSERT
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_events FOR SELECT
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
CREATE POLICY tenant_append ON audit_events FOR INSERT
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

-- Views shaped for the API. security_invoker makes RLS apply as the caller, not the owner.
CREATE VIEW api_tenants WITH (security_invoker = true) AS
    SELECT id, tenant_id, name, slug, created_at, updated_at
    FROM tenants;

CREATE VIEW api_users WITH (security_invoker = true) AS
    SELECT id, tenant_id, email, name, role, active, created_at, updated_at
    FROM users;

CREATE VIEW api_patients WITH (security_invoker = true) AS
    SELECT id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email,
           address_line, address_city, address_region, address_postal_code, address_country,
           active, created_at, updated_at
    FROM patients;

CREATE VIEW api_encounters WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, type, status, started_at, ended_at, reason,
           attending_user_id, created_at, updated_at
    FROM encounters;

CREATE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;

CREATE VIEW api_note_versions WITH (security_invoker = true) AS
    SELECT note_id, tenant_id, version, subjective, objective, assessment, plan,
           author_id, reason, created_at, sha256
    FROM note_versions;

CREATE VIEW api_audit_events WITH (security_invoker = true) AS
    SELECT id, tenant_id, occurred_at, user_id, role, action, entity_type, entity_id,
           patient_id, ip, request_id, outcome, detail
    FROM audit_events;

-- Least privilege for the runtime role: no DELETE anywhere (records are deactivated or
-- marked entered-in-error, never removed), no TRUNCATE, no REFERENCES or TRIGGER, and only
-- INSERT and SELECT on the immutable tables.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO soapstone_app;
GRANT SELECT ON schema_migrations TO soapstone_app;
GRANT SELECT, INSERT, UPDATE ON tenants, users, patients, encounters, notes TO soapstone_app;
GRANT SELECT, INSERT ON note_versions, audit_events TO soapstone_app;
-- Called by the note_versions trigger as the inserting role, and useful to check a hash.
GRANT EXECUTE ON FUNCTION note_content_sha256(text, text, text, text) TO soapstone_app;
GRANT SELECT ON api_tenants, api_users, api_patients, api_encounters, api_notes,
                api_note_versions, api_audit_events TO soapstone_app;
