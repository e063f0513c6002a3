-- The view as migration 1 made it, then the column.
DROP VIEW api_audit_events;
CREATE VIEW api_audit_events WITH (security_invoker = true) AS
    SELECT id, tenant_id, occurred_at, user_id, role, action, entity_type, entity_id,
           patient_id, ip, request_id, outcome, detail
    FROM audit_events;
GRANT SELECT ON api_audit_events TO soapstone_app;
ALTER TABLE audit_events DROP COLUMN client_request_id;
