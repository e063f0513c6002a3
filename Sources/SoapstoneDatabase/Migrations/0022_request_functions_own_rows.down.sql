-- Back to migration 18's functions, which return the views' row types.
DROP FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
DROP FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb);

CREATE FUNCTION soapstone_read_patient(
    tenant uuid, actor uuid, patient uuid,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS SETOF api_patients
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    RETURN QUERY SELECT * FROM api_patients p WHERE p.tenant_id = tenant AND p.id = patient;
    IF FOUND THEN
        PERFORM soapstone_record_audit(tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
                                       audit_patient_id, audit_ip, audit_request_id, audit_client_request_id,
                                       audit_outcome, audit_detail);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;

CREATE FUNCTION soapstone_advance_note(
    tenant uuid, actor uuid, note uuid, new_status text, expected_versions int[], from_statuses text[],
    new_subjective text, new_objective text, new_assessment text, new_plan text, author uuid, change_reason text,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS SETOF api_notes
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    advanced api_notes;
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    WITH moved AS (
        UPDATE notes SET current_version = current_version + 1, status = new_status
         WHERE tenant_id = tenant AND id = note
           AND (expected_versions IS NULL OR current_version = ANY(expected_versions))
           AND status = ANY(from_statuses)
        RETURNING *
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
           n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at
      INTO advanced
      FROM moved n JOIN written w ON w.note_id = n.id;
    IF advanced.id IS NULL THEN
        RETURN;
    END IF;
    PERFORM soapstone_record_audit(
        tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
        coalesce(audit_patient_id, advanced.patient_id), audit_ip, audit_request_id, audit_client_request_id,
        audit_outcome, audit_detail || jsonb_build_object('version', advanced.version::text));
    RETURN NEXT advanced;
END
$$;
REVOKE ALL ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;
