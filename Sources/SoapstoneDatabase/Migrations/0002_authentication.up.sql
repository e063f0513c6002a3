-- Authentication: refresh tokens (a tenant table under the same nine rules) and the one narrow
-- path to a user before a tenant context exists: the login lookup.

CREATE TABLE refresh_tokens (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id     uuid        NOT NULL REFERENCES tenants (tenant_id),
    user_id       uuid        NOT NULL,
    -- Every token of one login shares a family; reuse of a spent token revokes the family.
    family_id     uuid        NOT NULL,
    -- SHA-256 of the token, hex: the token itself is never stored.
    token_sha256  text        NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_sha256),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    CHECK (expires_at > created_at)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id);
CREATE INDEX refresh_tokens_live_user_idx ON refresh_tokens (tenant_id, user_id) WHERE revoked_at IS NULL;

ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

CREATE VIEW api_refresh_tokens WITH (security_invoker = true) AS
    SELECT id, tenant_id, user_id, family_id, created_at, expires_at, used_at, revoked_at
    FROM refresh_tokens;

-- A token is only ever marked used or revoked, nothing else about it changes.
GRANT SELECT, INSERT ON refresh_tokens TO soapstone_app;
GRANT UPDATE (used_at, revoked_at) ON refresh_tokens TO soapstone_app;
GRANT SELECT ON api_refresh_tokens TO soapstone_app;

-- The server never needs to read a password hash (the login lookup below hands it over):
-- every column of users but that one.
REVOKE SELECT ON users FROM soapstone_app;
GRANT SELECT (id, tenant_id, email, name, role, active, created_at, updated_at) ON users TO soapstone_app;

-- The login lookup. At login only the organisation's slug and an email are known, and RLS
-- (rightly) shows nothing without a tenant. Rather than relax any policy for the server, one
-- SECURITY DEFINER function owned by soapstone_auth, a role that cannot log in, answers for
-- exactly one active user: id, tenant, role, status and password hash, nothing else.
-- soapstone_auth may read only those columns, through SELECT-only policies of its own.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'soapstone_auth') THEN
        CREATE ROLE soapstone_auth NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO soapstone_auth;
GRANT SELECT (tenant_id, slug) ON tenants TO soapstone_auth;
GRANT SELECT (id, tenant_id, email, role, active, password_hash) ON users TO soapstone_auth;
CREATE POLICY login_lookup ON tenants FOR SELECT TO soapstone_auth USING (true);
CREATE POLICY login_lookup ON users FOR SELECT TO soapstone_auth USING (true);

CREATE FUNCTION auth_login_lookup(organization_slug text, user_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, active boolean, password_hash text)
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.id, u.tenant_id, u.role, u.active, u.password_hash
      FROM public.tenants t
      JOIN public.users u ON u.tenant_id = t.tenant_id
     WHERE t.slug = organization_slug
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION auth_login_lookup(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_lookup(text, text) TO soapstone_app;
-- The hand-over needs the migrating role to be a member of the new owner, and the new owner
-- to have CREATE on the schema, both for that moment only: a member of soapstone_auth would
-- see every tenant's users through its policies.
GRANT soapstone_auth TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_auth;
ALTER FUNCTION auth_login_lookup(text, text) OWNER TO soapstone_auth;
REVOKE CREATE ON SCHEMA public FROM soapstone_auth;
REVOKE soapstone_auth FROM CURRENT_USER;
