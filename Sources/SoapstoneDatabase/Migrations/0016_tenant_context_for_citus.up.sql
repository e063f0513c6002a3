-- DESIGN.md rules 2 and 8 as Citus needs them, on plain PostgreSQL as on a cluster.
--
-- Rule 2: a policy compares with one STABLE SQL function instead of a sub-select, which Citus
-- refuses in policies on distributed tables. The function has no SET clause (that would stop
-- the planner from inlining it) and names only pg_catalog, so it does not depend on the
-- caller's search_path: inlined, the condition is the same index condition, computed once
-- per scan, as the sub-select was.
CREATE FUNCTION soapstone_current_tenant() RETURNS uuid
    LANGUAGE sql
    STABLE PARALLEL SAFE
AS $$
    SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::pg_catalog.uuid
$$;
REVOKE ALL ON FUNCTION soapstone_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_current_tenant() TO soapstone_app, soapstone_auth;

-- Rule 8: the tenant (and the acting user) set for the rest of the transaction with SET LOCAL,
-- which Citus propagates to its workers while citus.propagate_set_commands is 'local'
-- (set_config is not propagated: on a cluster every query would see no rows). That setting is
-- made here with SET LOCAL too, not as the function's SET clause: without Citus loaded the
-- name is a placeholder, and PostgreSQL 15 lets only a superuser attach a placeholder to a
-- function, while any role may set one. It lasts, like the tenant, until the transaction
-- ends. Values stay bind parameters: the server prepares `SELECT soapstone_set_tenant($1, $2)`
-- once per connection. No tenant, no context.
CREATE FUNCTION soapstone_set_tenant(tenant uuid, actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'soapstone_set_tenant needs a tenant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE format('SET LOCAL app.tenant_id = %L', tenant);
    EXECUTE format('SET LOCAL app.user_id = %L', coalesce(actor::text, ''));
END
$$;
REVOKE ALL ON FUNCTION soapstone_set_tenant(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_set_tenant(uuid, uuid) TO soapstone_app;

ALTER POLICY tenant_isolation ON tenants
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON users
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON patients
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON encounters
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON notes
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_read ON note_versions USING (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_append ON note_versions WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_read ON audit_events USING (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_append ON audit_events WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = soapstone_current_tenant()) WITH CHECK (tenant_id = soapstone_current_tenant());
