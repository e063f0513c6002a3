CREATE INDEX audit_events_shown_idx ON audit_events USING gin (tenant_id, (detail -> 'patient_ids'))
    WHERE detail ? 'patient_ids';
-- Migration 18's soapstone_record_audit.
CREATE OR REPLACE FUNCTION soapstone_record_audit(
    tenant uuid, actor uuid, audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid,
    audit_patient_id uuid, audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text,
    audit_detail jsonb
) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    event uuid;
BEGIN
    INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id,
                              client_request_id, outcome, detail)
    VALUES (tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id, audit_patient_id, audit_ip,
            audit_request_id, audit_client_request_id, audit_outcome, audit_detail)
    RETURNING id INTO event;
    RETURN event;
END
$$;
DROP VIEW api_audit_disclosures;
DROP TABLE audit_disclosures;
