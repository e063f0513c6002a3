DROP VIEW api_encounters;
CREATE VIEW api_encounters WITH (security_invoker = true) AS
    SELECT id, tenant_id, patient_id, type, status, started_at, ended_at, reason,
           attending_user_id, created_at, updated_at
    FROM encounters;
GRANT SELECT ON api_encounters TO soapstone_app;
ALTER TABLE encounters DROP COLUMN status_reason;
