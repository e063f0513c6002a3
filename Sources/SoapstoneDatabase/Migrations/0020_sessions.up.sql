-- A session (one login, and the family of refresh tokens it hands out) and its end, recorded
-- once, on a row of its own. Before, a session ended when each of its tokens was marked
-- revoked, and a refresh checked only the token it was shown: a refresh racing a logout
-- inserted a token the logout's UPDATE did not see, and that token refreshed again for the
-- rest of the session's life. Now a refresh locks its session's row (FOR UPDATE) and reads
-- whether it has ended in the same transaction that spends the token and writes the next;
-- ending a session updates that row. Whichever comes second waits for the first, so no order
-- of the two leaves a live token of an ended session.
CREATE TABLE sessions (
    tenant_id  uuid        NOT NULL REFERENCES tenants (tenant_id),
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    -- The login, by the server's clock: the session ends 12 hours after it however often it
    -- is refreshed.
    started_at timestamptz NOT NULL,
    -- Logout, reuse of a spent token, or the user's role or status changed; by the database's
    -- clock, which instances starting up compare with (auth_revoked_sessions).
    ended_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_live_user_idx ON sessions (tenant_id, user_id) WHERE ended_at IS NULL;

-- The sessions there are, from their tokens. RLS is forced on refresh_tokens, so the
-- migrating role (its owner, or a superuser) sees its rows only with FORCE lifted, inside
-- this migration's transaction; sessions is forced once it is filled.
ALTER TABLE refresh_tokens NO FORCE ROW LEVEL SECURITY;
INSERT INTO sessions (tenant_id, id, user_id, started_at, ended_at)
SELECT tenant_id, family_id, min(user_id::text)::uuid, min(coalesce(session_started_at, created_at)),
       max(revoked_at)
  FROM refresh_tokens
 GROUP BY tenant_id, family_id;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions
    USING (tenant_id = soapstone_current_tenant())
    WITH CHECK (tenant_id = soapstone_current_tenant());

ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_session_fkey
    FOREIGN KEY (tenant_id, family_id) REFERENCES sessions (tenant_id, id);

CREATE VIEW api_sessions WITH (security_invoker = true) AS
    SELECT tenant_id, id, user_id, started_at, ended_at FROM sessions;

-- A session is only ever started and ended.
GRANT SELECT, INSERT ON sessions TO soapstone_app;
GRANT UPDATE (ended_at) ON sessions TO soapstone_app;
GRANT SELECT ON api_sessions TO soapstone_app;

-- The session's facts leave its tokens: a token is only ever spent now.
REVOKE UPDATE (used_at, revoked_at) ON refresh_tokens FROM soapstone_app;
GRANT UPDATE (used_at) ON refresh_tokens TO soapstone_app;
DROP POLICY revoked_sessions ON refresh_tokens;
REVOKE SELECT (family_id, revoked_at) ON refresh_tokens FROM soapstone_auth;
DROP VIEW api_refresh_tokens;
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
ALTER TABLE refresh_tokens DROP COLUMN session_started_at;
CREATE VIEW api_refresh_tokens WITH (security_invoker = true) AS
    SELECT id, tenant_id, user_id, family_id, created_at, expires_at, used_at FROM refresh_tokens;
GRANT SELECT ON api_refresh_tokens TO soapstone_app;

-- Which sessions ended lately, for an instance that starts or reconnects (migration 12), now
-- from the sessions themselves. soapstone_auth may read two columns of them for it.
GRANT SELECT (id, ended_at) ON sessions TO soapstone_auth;
CREATE POLICY revoked_sessions ON sessions FOR SELECT TO soapstone_auth USING (true);

GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_revoked_sessions(within_seconds integer) RETURNS SETOF uuid
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT s.id FROM public.sessions s WHERE s.ended_at >= now() - make_interval(secs => within_seconds);
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;
