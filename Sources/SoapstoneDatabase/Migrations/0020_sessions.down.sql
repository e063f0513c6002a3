GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_revoked_sessions(within_seconds integer) RETURNS SETOF uuid
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT DISTINCT family_id FROM public.refresh_tokens WHERE revoked_at >= now() - make_interval(secs => within_seconds);
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;
DROP POLICY revoked_sessions ON sessions;
REVOKE SELECT (id, ended_at) ON sessions FROM soapstone_auth;

DROP VIEW api_refresh_tokens;
ALTER TABLE refresh_tokens ADD COLUMN session_started_at timestamptz;
ALTER TABLE refresh_tokens ADD COLUMN revoked_at timestamptz;
-- Each token takes its session's start and end back, with FORCE lifted as on the way up.
ALTER TABLE refresh_tokens NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
UPDATE refresh_tokens t SET session_started_at = s.started_at, revoked_at = s.ended_at
  FROM sessions s WHERE s.tenant_id = t.tenant_id AND s.id = t.family_id;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE VIEW api_refresh_tokens WITH (security_invoker = true) AS
    SELECT id, tenant_id, user_id, family_id, created_at, expires_at, used_at, revoked_at, session_started_at
    FROM refresh_tokens;
GRANT SELECT ON api_refresh_tokens TO soapstone_app;
GRANT UPDATE (used_at, revoked_at) ON refresh_tokens TO soapstone_app;
GRANT SELECT (family_id, revoked_at) ON refresh_tokens TO soapstone_auth;
CREATE POLICY revoked_sessions ON refresh_tokens FOR SELECT TO soapstone_auth USING (true);

ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session_fkey;
DROP VIEW api_sessions;
DROP TABLE sessions;
