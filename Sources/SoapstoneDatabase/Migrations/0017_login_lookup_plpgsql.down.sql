GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_login_lookup(organization_slug text, user_email text)
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
CREATE OR REPLACE FUNCTION auth_login_succeeded(account_key text) RETURNS void
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM public.login_lockouts WHERE account = account_key
$$;
REVOKE soapstone_auth FROM CURRENT_USER;
