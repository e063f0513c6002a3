-- Removes what 0002_authentication.up.sql created. The cluster-wide role soapstone_auth stays,
-- without any privilege here.

DROP FUNCTION auth_login_lookup(text, text);
DROP POLICY login_lookup ON users;
DROP POLICY login_lookup ON tenants;
REVOKE SELECT (id, tenant_id, email, role, active, password_hash) ON users FROM soapstone_auth;
REVOKE SELECT (tenant_id, slug) ON tenants FROM soapstone_auth;
REVOKE USAGE ON SCHEMA public FROM soapstone_auth;

DROP VIEW api_refresh_tokens;
DROP TABLE refresh_tokens;
