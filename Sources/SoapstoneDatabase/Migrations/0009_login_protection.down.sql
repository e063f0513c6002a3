-- Removes the login protection tables and their functions (the server then cannot serve
-- logins: migrate down together with the build that kept them in memory).
DROP FUNCTION auth_login_succeeded(text);
DROP FUNCTION auth_login_failed(text, integer, integer, timestamptz);
DROP FUNCTION auth_lockout_remaining(text, timestamptz);
DROP FUNCTION auth_throttle(text, integer, timestamptz);
DROP TABLE login_lockouts;
DROP TABLE login_throttle;
