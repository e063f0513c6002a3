DROP VIEW api_refresh_tokens;
CREATE VIEW api_refresh_tokens WITH (security_invoker = true) AS
    SELECT id, tenant_id, user_id, family_id, created_at, expires_at, used_at, revoked_at
    FROM refresh_tokens;
GRANT SELECT ON api_refresh_tokens TO soapstone_app;
ALTER TABLE refresh_tokens DROP COLUMN session_started_at;
