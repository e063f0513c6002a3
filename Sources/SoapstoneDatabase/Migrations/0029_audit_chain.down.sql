-- The functions soapstone_auth owns are dropped with its membership, for that moment only.
GRANT soapstone_auth TO CURRENT_USER;
REVOKE EXECUTE ON FUNCTION soapstone_set_tenant(uuid, uuid) FROM soapstone_auth;
DROP FUNCTION audit_strays(uuid, integer);
DROP FUNCTION audit_chain(uuid, bigint, integer);
DROP FUNCTION audit_tenants();
DROP FUNCTION audit_seal(uuid, interval, boolean, integer);
REVOKE soapstone_auth FROM CURRENT_USER;
DROP FUNCTION audit_late_window();
DROP FUNCTION audit_seal_hash(text, text);
DROP FUNCTION audit_event_canonical(uuid, uuid, timestamptz, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
REVOKE SELECT ON audit_events FROM soapstone_auth;
DROP VIEW api_audit_checkpoints;
DROP VIEW api_audit_seals;
DROP TABLE audit_checkpoints;
DROP TABLE audit_seals;
