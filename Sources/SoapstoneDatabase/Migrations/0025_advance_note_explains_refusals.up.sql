-- A save or amendment that found no note to move asked why in a transaction of its own (the
-- server's explainRefusal), then audited the refusal in a third. The function now answers why
-- itself, in its own statement: `outcome` is 'advanced' (the note, as before), 'stale' (another
-- version is current: `version` says which), 'conflict' (the note's `status` does not accept the
-- change) or 'moved' (neither: on Citus the note's shard moved while the statement waited;
-- nothing was changed and the same call again finds it). No row: no such note in this tenant.
-- A stale or conflicting change is audited here as refused, with the reason, in the same
-- statement; a moved one is not audited, since the server calls again.
DROP FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb);

CREATE FUNCTION soapstone_advance_note(
    tenant uuid, actor uuid, note uuid, new_status text, expected_versions int[], from_statuses text[],
    new_subjective text, new_objective text, new_assessment text, new_plan text, author uuid, change_reason text,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS TABLE (
    id uuid, tenant_id uuid, encounter_id uuid, patient_id uuid, status text, version int, subjective text,
    objective text, assessment text, plan text, author_id uuid, signed_by uuid, signed_at timestamptz,
    signed_version int, signed_sha256 text, created_at timestamptz, updated_at timestamptz,
    entered_in_error_reason text, entered_in_error_by uuid, entered_in_error_at timestamptz, outcome text
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
        INSERT INTO note_versions AS v (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason)
        SELECT m.tenant_id, m.id, m.current_version, new_subjective, new_objective, new_assessment, new_plan, author,
               change_reason
          FROM moved m
        RETURNING v.*
    )
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status, n.current_version, w.subjective, w.objective,
           w.assessment, w.plan, n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256, n.created_at,
           n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at, 'advanced'
      INTO id, tenant_id, encounter_id, patient_id, status, version, subjective, objective, assessment, plan,
           author_id, signed_by, signed_at, signed_version, signed_sha256, created_at, updated_at,
           entered_in_error_reason, entered_in_error_by, entered_in_error_at, outcome
      FROM moved n JOIN written w ON w.note_id = n.id;
    IF FOUND THEN
        PERFORM soapstone_record_audit(
            tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
            coalesce(audit_patient_id, patient_id), audit_ip, audit_request_id, audit_client_request_id,
            audit_outcome, audit_detail || jsonb_build_object('version', version::text));
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
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;
