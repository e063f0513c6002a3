DROP FUNCTION auth_revoked_sessions(integer);
DROP POLICY revoked_sessions ON refresh_tokens;
REVOKE SELECT (family_id, revoked_at) ON refresh_tokens FROM soapstone_auth;
