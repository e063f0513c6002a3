-- Citus cannot make a distributed plan of a SQL-language function that reads distributed
-- tables ("could not create distributed plan"); the same body in PL/pgSQL runs. So every
-- function that reads or writes a table is PL/pgSQL: the login lookup, and the lockout's
-- reset beside it. Same answers, same owner (soapstone_auth), same grants: CREATE OR
-- REPLACE keeps them. Replacing it needs
-- the migrating role to be a member of the owner for that moment only (as in migration 2).
GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_login_lookup(organization_slug text, user_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, active boolean, password_hash text)
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.role, u.active, u.password_hash
      FROM public.tenants t
      JOIN public.users u ON u.tenant_id = t.tenant_id
     WHERE t.slug = organization_slug
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1;
END
$$;
CREATE OR REPLACE FUNCTION auth_login_succeeded(account_key text) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM public.login_lockouts WHERE account = account_key;
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;
