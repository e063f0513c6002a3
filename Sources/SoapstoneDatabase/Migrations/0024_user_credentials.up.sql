-- A user's password hash on a row of its own. The server read users without password_hash by a
-- grant on the other columns, and Citus gives a shard only its table's grants: after a
-- rebalance or a tenant's isolation the moved users shards refused the server, and every login,
-- refresh and /v1/auth/me of those clinics failed until `scale distribute` ran again. Now the
-- server reads users whole; the hashes are in user_credentials, where the server may add one
-- (a new user) and never read any. soapstone_auth, which already read them for the login
-- lookup, also replaces one (a stronger hash of the same password, auth_password_rehashed).
-- No grant on a column remains (a catalog test holds it).

SET LOCAL citus.enable_unsafe_triggers = on;

-- Places a table a migration creates as its anchor is placed: on a database Citus has
-- distributed, by tenant_id, colocated with it (while empty, so before its keys, which Citus
-- takes only between tables placed alike); elsewhere nothing. docs/scaling.md, "Migrations
-- after distributing".
CREATE FUNCTION soapstone_colocate(new_table regclass, anchor regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = anchor) THEN
        EXECUTE format('SELECT pg_catalog.create_distributed_table(%L, %L, colocate_with => %L)',
                       new_table, 'tenant_id', anchor::text);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_colocate(regclass, regclass) FROM PUBLIC;

CREATE TABLE user_credentials (
    tenant_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    password_hash text NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
SELECT soapstone_colocate('user_credentials', 'users');
ALTER TABLE user_credentials ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE user_credentials ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);

-- Every tenant's hashes: RLS is forced on users, so the migrating role reads them with FORCE
-- lifted, inside this transaction; user_credentials is forced once it is filled.
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
INSERT INTO user_credentials (tenant_id, user_id, password_hash) SELECT tenant_id, id, password_hash FROM users;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

ALTER TABLE user_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_credentials
    USING (tenant_id = soapstone_current_tenant())
    WITH CHECK (tenant_id = soapstone_current_tenant());
CREATE POLICY login_lookup ON user_credentials FOR SELECT TO soapstone_auth USING (true);

-- The view every table has; nobody but the owner reads it, and it shows no hash.
CREATE VIEW api_user_credentials WITH (security_invoker = true) AS
    SELECT tenant_id, user_id FROM user_credentials;

-- Added by the server, never read by it; read and replaced by soapstone_auth alone. A plain
-- INSERT needs no other privilege, where an UPDATE's WHERE (or ON CONFLICT) would need SELECT.
GRANT INSERT ON user_credentials TO soapstone_app;
GRANT SELECT, UPDATE ON user_credentials TO soapstone_auth;
CREATE POLICY rehash ON user_credentials FOR UPDATE TO soapstone_auth USING (true) WITH CHECK (true);
CREATE TRIGGER user_credentials_only_hash_changes BEFORE UPDATE ON user_credentials
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('password_hash');

-- A stronger hash of the password the user just logged in with, in place of the weaker one.
CREATE FUNCTION auth_password_rehashed(tenant uuid, account uuid, new_hash text) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE public.user_credentials SET password_hash = new_hash WHERE tenant_id = tenant AND user_id = account;
END
$$;
REVOKE ALL ON FUNCTION auth_password_rehashed(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_password_rehashed(uuid, uuid, text) TO soapstone_app;

-- As in migration 9: the function changes owner to soapstone_auth, which needs the migrating
-- role's membership and CREATE on the schema for that moment only.
GRANT soapstone_auth TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_auth;
ALTER FUNCTION auth_password_rehashed(uuid, uuid, text) OWNER TO soapstone_auth;
REVOKE CREATE ON SCHEMA public FROM soapstone_auth;
CREATE OR REPLACE FUNCTION auth_login_lookup(organization_slug text, user_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, active boolean, password_hash text)
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    organization uuid;
BEGIN
    SELECT t.tenant_id INTO organization FROM public.tenants t WHERE t.slug = organization_slug;
    IF organization IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.role, u.active, c.password_hash
      FROM public.users u
      JOIN public.user_credentials c ON c.tenant_id = u.tenant_id AND c.user_id = u.id
     WHERE u.tenant_id = organization
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1;
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;

ALTER TABLE users DROP COLUMN password_hash;
-- The coordinator's table only: Citus carries no grant on columns (migration 23).
SET LOCAL citus.enable_ddl_propagation = off;
REVOKE SELECT (id, tenant_id, email, name, role, active, created_at, updated_at) ON users FROM soapstone_app;
SET LOCAL citus.enable_ddl_propagation = on;
GRANT SELECT ON users TO soapstone_app;
