-- When a session (a refresh token family) began, on each of its tokens: the server ends a
-- session 12 hours after its login however often it is refreshed, and each token after 30
-- idle minutes, by the token's expires_at. Tokens issued before this column have none: their
-- session counts from their own creation.
ALTER TABLE refresh_tokens ADD COLUMN session_started_at timestamptz;

CREATE OR REPLACE VIEW api_refresh_tokens WITH (security_invoker = true) AS
    SELECT id, tenant_id, user_id, family_id, created_at, expires_at, used_at, revoked_at, session_started_at
    FROM refresh_tokens;
