-- Removes what 0002_authentication.up.sql created. The cluster-wide role soapstone_auth stays,
-- without any privilege here.

-- Only its owner may drop the function: become a member for that moment.
GRANT soapstone_auth TO CURRENT_USER;
DROP FUNCTION auth_login_lookup(text, text);
REVOKE soapstone_auth FROM CURRENT_USER;
DROP POLICY login_lookup ON users;
DROP POLICY login_lookup ON tenants;
REVOKE SELECT (id, tenant_id, email, role, active, password_hash) ON users FROM soapstone_auth;
REVOKE SELECT (tenant_id, slug) ON tenants FROM soapstone_auth;
REVOKE USAGE ON SCHEMA public FROM soapstone_auth;

REVOKE SELECT (id, tenant_id, email, name, role, active, created_at, updated_at) ON users FROM soapstone_app;
GRANT SELECT ON users TO soapstone_app;

DROP VIEW api_refresh_tokens;
DROP TABLE refresh_tokens;
