SET LOCAL citus.enable_unsafe_triggers = on;

REVOKE SELECT ON users FROM soapstone_app;
SET LOCAL citus.enable_ddl_propagation = off;
GRANT SELECT (id, tenant_id, email, name, role, active, created_at, updated_at) ON users TO soapstone_app;
SET LOCAL citus.enable_ddl_propagation = on;

-- The hashes back on their users, as they were: without FORCE for the migrating role, and
-- without touching updated_at.
ALTER TABLE users ADD COLUMN password_hash text;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE user_credentials NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE TRIGGER users_updated_at;
UPDATE users u SET password_hash = c.password_hash
  FROM user_credentials c WHERE c.tenant_id = u.tenant_id AND c.user_id = u.id;
ALTER TABLE users ENABLE TRIGGER users_updated_at;
ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

GRANT soapstone_auth TO CURRENT_USER;
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
    SELECT u.id, u.tenant_id, u.role, u.active, u.password_hash
      FROM public.users u
     WHERE u.tenant_id = organization
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1;
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;

DROP FUNCTION auth_password_rehashed(uuid, uuid, text);
DROP VIEW api_user_credentials;
DROP TABLE user_credentials;
DROP FUNCTION soapstone_colocate(regclass, regclass);
