-- The note lifecycle, enforced by the database for every client: a signed note's content
-- never changes (only amendments add versions), a version is only ever the note's next one,
-- and a note entered in error changes no more.

ALTER TABLE notes ADD COLUMN entered_in_error_reason text CHECK (length(entered_in_error_reason) <= 1000);
ALTER TABLE notes ADD CONSTRAINT notes_error_reason_with_status
    CHECK ((status = 'entered_in_error') = (entered_in_error_reason IS NOT NULL));

CREATE OR REPLACE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;

CREATE FUNCTION enforce_note_lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id OR NEW.encounter_id <> OLD.encounter_id
       OR NEW.patient_id <> OLD.patient_id OR NEW.author_id <> OLD.author_id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'a note keeps its identity, encounter, patient and author' USING ERRCODE = 'SS002';
    END IF;
    IF NEW.current_version NOT IN (OLD.current_version, OLD.current_version + 1) THEN
        RAISE EXCEPTION 'a note moves one version at a time' USING ERRCODE = 'SS002';
    END IF;
    IF OLD.status = 'entered_in_error' THEN
        RAISE EXCEPTION 'a note entered in error is not changed again' USING ERRCODE = 'SS002';
    END IF;
    IF OLD.signed_by IS NOT NULL AND (NEW.signed_by IS DISTINCT FROM OLD.signed_by OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
        OR NEW.signed_version IS DISTINCT FROM OLD.signed_version OR NEW.signed_sha256 IS DISTINCT FROM OLD.signed_sha256) THEN
        RAISE EXCEPTION 'a signature is never changed' USING ERRCODE = 'SS002';
    END IF;
    IF OLD.status IN ('signed', 'amended') AND NEW.status = 'draft' THEN
        RAISE EXCEPTION 'a signed note does not return to draft' USING ERRCODE = 'SS002';
    END IF;
    IF OLD.status IN ('signed', 'amended') AND NEW.current_version <> OLD.current_version AND NEW.status <> 'amended' THEN
        RAISE EXCEPTION 'a signed note changes only by amendment' USING ERRCODE = 'SS002';
    END IF;
    IF OLD.status = 'draft' AND NEW.status = 'amended' THEN
        RAISE EXCEPTION 'only a signed note can be amended' USING ERRCODE = 'SS002';
    END IF;
    IF NEW.status = 'signed' AND OLD.status = 'draft' AND NEW.current_version <> OLD.current_version THEN
        RAISE EXCEPTION 'a note is signed as it is' USING ERRCODE = 'SS002';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER notes_lifecycle BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION enforce_note_lifecycle();

-- A version is written only as the note's current version (the note moves first), an
-- amendment always says why, and nothing is added to a note entered in error.
CREATE FUNCTION check_note_version() RETURNS trigger
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

CREATE TRIGGER note_versions_follow_note BEFORE INSERT ON note_versions FOR EACH ROW EXECUTE FUNCTION check_note_version();

REVOKE ALL ON FUNCTION enforce_note_lifecycle() FROM PUBLIC;
REVOKE ALL ON FUNCTION check_note_version() FROM PUBLIC;
