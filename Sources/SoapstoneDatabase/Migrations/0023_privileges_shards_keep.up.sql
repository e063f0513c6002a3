-- Privileges every shard keeps. Citus gives a shard the table-level grants of its table, but not
-- those on single columns: a shard that a rebalance moves, or a tenant's isolation splits off,
-- arrives without them, and the statements that needed them fail ("permission denied for table
-- users_102088": every login of the moved clinics) until `scale distribute` grants them again.
-- So the grants on single columns become grants on the table:
-- - soapstone_auth reads whole rows of tenants, users and sessions. It logs in nowhere but on
--   the workers, and runs only in the login lookup, the lockout and the revocation functions.
-- - soapstone_app updates sessions, refresh_tokens and idempotency_keys as a whole, and a
--   trigger keeps each UPDATE to the columns the grant named (for every role, like the other
--   immutability triggers). 42501, as a refused column privilege was.
-- The last grant on columns, soapstone_app's read of users without password_hash, goes in
-- migration 24.

-- Citus refuses a trigger on a distributed table unless this is on (docs/scaling.md); without
-- Citus these are settings nobody reads.
SET LOCAL citus.enable_unsafe_triggers = on;

-- Citus refuses to carry a grant or revoke on columns to the shards ("currently
-- unsupported"): on a distributed database these change the coordinator's tables only. What
-- the shards keep of the column grants is less than the table grants below give them.
SET LOCAL citus.enable_ddl_propagation = off;
REVOKE SELECT (tenant_id, slug) ON tenants FROM soapstone_auth;
REVOKE SELECT (id, tenant_id, email, role, active, password_hash) ON users FROM soapstone_auth;
REVOKE SELECT (id, ended_at) ON sessions FROM soapstone_auth;
REVOKE UPDATE (ended_at) ON sessions FROM soapstone_app;
REVOKE UPDATE (used_at) ON refresh_tokens FROM soapstone_app;
REVOKE UPDATE (request_sha256, response_status, response_body, created_at) ON idempotency_keys FROM soapstone_app;
SET LOCAL citus.enable_ddl_propagation = on;

GRANT SELECT ON tenants TO soapstone_auth;
GRANT SELECT ON users TO soapstone_auth;
GRANT SELECT ON sessions TO soapstone_auth;

-- Refuses an UPDATE that changes a column not named in the trigger's arguments.
CREATE FUNCTION soapstone_only_columns_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION 'only % of % may change', array_to_string(TG_ARGV, ', '), TG_TABLE_NAME
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION soapstone_only_columns_change() FROM PUBLIC;

GRANT UPDATE ON sessions TO soapstone_app;
CREATE TRIGGER sessions_only_end_changes BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('ended_at');

GRANT UPDATE ON refresh_tokens TO soapstone_app;
CREATE TRIGGER refresh_tokens_only_use_changes BEFORE UPDATE ON refresh_tokens
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('used_at');

GRANT UPDATE ON idempotency_keys TO soapstone_app;
CREATE TRIGGER idempotency_keys_only_answer_changes BEFORE UPDATE ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION soapstone_only_columns_change('request_sha256', 'response_status', 'response_body', 'created_at');
