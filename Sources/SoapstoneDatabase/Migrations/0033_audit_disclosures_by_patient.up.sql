-- Disclosures found under RLS (issue 31). Migration 30 indexed the patients a list showed as a
-- GIN index over detail -> 'patient_ids'; but under RLS a condition becomes an index condition
-- only if its operators are LEAKPROOF, and no jsonb operator is, so for the server the index
-- was searched by tenant alone and a patient's access report read every listing event of the
-- clinic (3 s for a patient seen once among ten million events). The shown patients are now
-- also rows of their own, compared with = on uuid and time, which RLS lets an index serve:
-- one row per patient a listing event showed, written by soapstone_record_audit with the event
-- (the event's detail.patient_ids stays what the chain seals; these rows are how it is found).
CREATE TABLE audit_disclosures (
    tenant_id   uuid        NOT NULL,
    patient_id  uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    event_id    uuid        NOT NULL,
    PRIMARY KEY (tenant_id, patient_id, occurred_at, event_id)
);
SELECT soapstone_colocate('audit_disclosures', 'audit_events');
ALTER TABLE audit_disclosures ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE audit_disclosures ADD FOREIGN KEY (tenant_id, event_id) REFERENCES audit_events (tenant_id, id);
ALTER TABLE audit_disclosures ADD FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id);

SET LOCAL citus.enable_unsafe_triggers = on;
CREATE TRIGGER audit_disclosures_append_only BEFORE UPDATE OR DELETE ON audit_disclosures
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_disclosures_no_truncate BEFORE TRUNCATE ON audit_disclosures
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();

ALTER TABLE audit_disclosures ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_disclosures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_disclosures FOR SELECT USING (tenant_id = soapstone_current_tenant());
CREATE POLICY tenant_append ON audit_disclosures FOR INSERT WITH CHECK (tenant_id = soapstone_current_tenant());

CREATE VIEW api_audit_disclosures WITH (security_invoker = true) AS
    SELECT tenant_id, patient_id, occurred_at, event_id FROM audit_disclosures;
GRANT SELECT, INSERT ON audit_disclosures TO soapstone_app;
GRANT SELECT ON api_audit_disclosures TO soapstone_app;

-- The one INSERT of an audit event (migration 18), and now of what it disclosed. The rows are
-- read from patients by tenant, so that Citus sends the INSERT to the tenant's shard (an
-- INSERT from an array alone is copied through the coordinator, which RLS refuses).
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
    event_at timestamptz;
    shown uuid[];
BEGIN
    INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id,
                              client_request_id, outcome, detail)
    VALUES (tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id, audit_patient_id, audit_ip,
            audit_request_id, audit_client_request_id, audit_outcome, audit_detail)
    RETURNING id, occurred_at INTO event, event_at;
    IF audit_detail ? 'patient_ids' THEN
        shown := ARRAY(SELECT jsonb_array_elements_text(audit_detail -> 'patient_ids')::uuid);
        INSERT INTO audit_disclosures (tenant_id, patient_id, occurred_at, event_id)
        SELECT c.tenant_id, c.id, event_at, event FROM patients c WHERE c.tenant_id = tenant AND c.id = ANY (shown);
    END IF;
    RETURN event;
END
$$;

-- The listing events written before, each organisation under its own tenant (RLS binds the
-- owner too).
DO $$
DECLARE
    organisation uuid;
BEGIN
    FOR organisation IN SELECT tenant_id FROM audit_tenants() LOOP
        PERFORM soapstone_set_tenant(organisation, NULL);
        INSERT INTO audit_disclosures (tenant_id, patient_id, occurred_at, event_id)
        SELECT a.tenant_id, c.id, a.occurred_at, a.id
          FROM audit_events a
         CROSS JOIN LATERAL jsonb_array_elements_text(a.detail -> 'patient_ids') AS shown (id)
          JOIN patients c ON c.tenant_id = a.tenant_id AND c.id = shown.id::uuid
         WHERE a.tenant_id = organisation AND a.detail ? 'patient_ids';
    END LOOP;
END
$$;

DROP INDEX audit_events_shown_idx;
