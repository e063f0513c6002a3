-- The client's X-Request-ID in a column of its own. Until now a client's id, when well-formed,
-- was stored as the audit event's request_id, so a client chose the id that ties its events
-- together. request_id is now always the server's; the client's is kept beside it.
ALTER TABLE audit_events ADD COLUMN client_request_id text CHECK (client_request_id ~ '^[A-Za-z0-9._:-]{1,128}$');

CREATE OR REPLACE VIEW api_audit_events WITH (security_invoker = true) AS
    SELECT id, tenant_id, occurred_at, user_id, role, action, entity_type, entity_id,
           patient_id, ip, request_id, outcome, detail, client_request_id
    FROM audit_events;
