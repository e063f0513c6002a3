-- Back to the sub-select of migration 1 (rule 2 as it was before Citus).
ALTER POLICY tenant_isolation ON tenants
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON users
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON patients
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON encounters
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON notes
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_read ON note_versions USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_append ON note_versions WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_read ON audit_events USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_append ON audit_events WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
ALTER POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid) WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);
DROP FUNCTION soapstone_set_tenant(uuid, uuid);
DROP FUNCTION soapstone_current_tenant();
