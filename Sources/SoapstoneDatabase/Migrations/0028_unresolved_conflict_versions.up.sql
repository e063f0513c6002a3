-- A version saved while its writer's merge was still open: the page saves the writer's side
-- before a session ends (an idle logout, a logout in another tab) rather than lose it, and marks
-- the version `unresolved_conflict`. The next reader is told, and the note is not signed at
-- such a version: a later save (the merge resolved, or the text kept as it is) clears it. The
-- mark belongs to the version, which never changes, not to the note; the content hash does not
-- cover it (it is no part of what is signed).
ALTER TABLE note_versions ADD COLUMN unresolved_conflict boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW api_notes WITH (security_invoker = true) AS
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status,
           n.current_version AS version,
           v.subjective, v.objective, v.assessment, v.plan,
           n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256,
           n.created_at, n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at,
           v.unresolved_conflict
    FROM notes n
    JOIN note_versions v
      ON v.tenant_id = n.tenant_id AND v.note_id = n.id AND v.version = n.current_version;

CREATE OR REPLACE VIEW api_note_versions WITH (security_invoker = true) AS
    SELECT note_id, tenant_id, version, subjective, objective, assessment, plan,
           author_id, reason, created_at, sha256, unresolved_conflict
    FROM note_versions;

-- The lifecycle's own defence, for any client: a draft is not signed at a version saved with
-- its conflict unresolved. (Reads the same tenant's version, on the same node under Citus.)
CREATE OR REPLACE FUNCTION enforce_note_lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
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
    IF NEW.status = 'signed' AND OLD.status = 'draft' AND EXISTS (
        SELECT 1 FROM note_versions v
         WHERE v.tenant_id = NEW.tenant_id AND v.note_id = NEW.id AND v.version = NEW.current_version
           AND v.unresolved_conflict) THEN
        RAISE EXCEPTION 'version % was saved with a conflict unresolved: it is not signed', NEW.current_version
            USING ERRCODE = 'SS002';
    END IF;
    RETURN NEW;
END
$$;

-- A draft's save may mark its version `unresolved_conflict` (an amendment never does: it is
-- written on purpose, with a reason).
DROP FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb);

CREATE FUNCTION soapstone_advance_note(
    tenant uuid, actor uuid, note uuid, new_status text, expected_versions int[], from_statuses text[],
    new_subjective text, new_objective text, new_assessment text, new_plan text, author uuid, change_reason text,
    conflict_unresolved boolean,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS TABLE (
    id uuid, tenant_id uuid, encounter_id uuid, patient_id uuid, status text, version int, subjective text,
    objective text, assessment text, plan text, author_id uuid, signed_by uuid, signed_at timestamptz,
    signed_version int, signed_sha256 text, created_at timestamptz, updated_at timestamptz,
    entered_in_error_reason text, entered_in_error_by uuid, entered_in_error_at timestamptz,
    unresolved_conflict boolean, outcome text
)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    refusal jsonb;
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    WITH moved AS (
        UPDATE notes m SET current_version = m.current_version + 1, status = new_status
         WHERE m.tenant_id = tenant AND m.id = note
           AND (expected_versions IS NULL OR m.current_version = ANY(expected_versions))
           AND m.status = ANY(from_statuses)
        RETURNING m.*
    ),
    written AS (
        INSERT INTO note_versions AS v (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason,
                                        unresolved_conflict)
        SELECT m.tenant_id, m.id, m.current_version, new_subjective, new_objective, new_assessment, new_plan, author,
               change_reason, coalesce(conflict_unresolved, false)
          FROM moved m
        RETURNING v.*
    )
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status, n.current_version, w.subjective, w.objective,
           w.assessment, w.plan, n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256, n.created_at,
           n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at, w.unresolved_conflict,
           'advanced'
      INTO id, tenant_id, encounter_id, patient_id, status, version, subjective, objective, assessment, plan,
           author_id, signed_by, signed_at, signed_version, signed_sha256, created_at, updated_at,
           entered_in_error_reason, entered_in_error_by, entered_in_error_at, unresolved_conflict, outcome
      FROM moved n JOIN written w ON w.note_id = n.id;
    IF FOUND THEN
        PERFORM soapstone_record_audit(
            tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
            coalesce(audit_patient_id, patient_id), audit_ip, audit_request_id, audit_client_request_id,
            audit_outcome, audit_detail || jsonb_build_object('version', version::text)
                || CASE WHEN unresolved_conflict THEN jsonb_build_object('unresolved_conflict', 'true')
                        ELSE '{}'::jsonb END);
        RETURN NEXT;
        RETURN;
    END IF;

    SELECT n.id, n.tenant_id, n.patient_id, n.status, n.current_version
      INTO id, tenant_id, patient_id, status, version
      FROM notes n WHERE n.tenant_id = tenant AND n.id = note;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF expected_versions IS NOT NULL AND NOT version = ANY(expected_versions) THEN
        outcome := 'stale';
        refusal := jsonb_build_object('reason', 'stale_version', 'current_version', version::text);
    ELSIF NOT status = ANY(from_statuses) THEN
        outcome := 'conflict';
        refusal := jsonb_build_object('reason', 'conflict');
    ELSE
        outcome := 'moved';
    END IF;
    IF refusal IS NOT NULL THEN
        PERFORM soapstone_record_audit(
            tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
            coalesce(audit_patient_id, patient_id), audit_ip, audit_request_id, audit_client_request_id,
            'refused', audit_detail || refusal);
    END IF;
    RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    boolean, text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    boolean, text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;
