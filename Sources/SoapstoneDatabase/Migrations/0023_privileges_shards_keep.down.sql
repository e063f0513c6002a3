SET LOCAL citus.enable_unsafe_triggers = on;

DROP TRIGGER idempotency_keys_only_answer_changes ON idempotency_keys;
REVOKE UPDATE ON idempotency_keys FROM soapstone_app;
DROP TRIGGER refresh_tokens_only_use_changes ON refresh_tokens;
REVOKE UPDATE ON refresh_tokens FROM soapstone_app;
DROP TRIGGER sessions_only_end_changes ON sessions;
REVOKE UPDATE ON sessions FROM soapstone_app;
DROP FUNCTION soapstone_only_columns_change();
REVOKE SELECT ON sessions FROM soapstone_auth;
REVOKE SELECT ON users FROM soapstone_auth;
REVOKE SELECT ON tenants FROM soapstone_auth;

-- The coordinator's tables only (see the up migration). Nothing gives these to the shards
-- again (scale distribute gives no grants on columns since migration 24): on a distributed
-- database, do not revert past migration 23.
SET LOCAL citus.enable_ddl_propagation = off;
GRANT UPDATE (request_sha256, response_status, response_body, created_at) ON idempotency_keys TO soapstone_app;
GRANT UPDATE (used_at) ON refresh_tokens TO soapstone_app;
GRANT UPDATE (ended_at) ON sessions TO soapstone_app;
GRANT SELECT (id, ended_at) ON sessions TO soapstone_auth;
GRANT SELECT (id, tenant_id, email, role, active, password_hash) ON users TO soapstone_auth;
GRANT SELECT (tenant_id, slug) ON tenants TO soapstone_auth;
