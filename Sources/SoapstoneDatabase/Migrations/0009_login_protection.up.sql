-- Login protection in PostgreSQL: the per-address throttle and the per-account lockout, shared
-- by every server instance, kept across restarts, and bounded: rows that carry nothing any more
-- are removed a few at a time by the calls themselves. Until now both lived in one process's
-- memory, grew with every new email an attacker tried, and a second instance behind the same
-- load balancer knew nothing of the first's lockouts.
--
-- These are DESIGN.md rule 1's pre-authentication counters: they exist before a tenant is
-- known, for accounts that may not exist, so they have no tenant_id. RLS is enabled and forced
-- with policies for soapstone_auth alone; soapstone_app has no privilege on them and reaches
-- them only through the SECURITY DEFINER functions below, owned by soapstone_auth. Accounts are
-- kept as the SHA-256 of their key (an email never lands here), addresses as text.

CREATE TABLE login_throttle (
    address     text             NOT NULL CHECK (length(address) BETWEEN 1 AND 100),
    -- Attempts left in the address's allowance, refilled continuously.
    tokens      double precision NOT NULL,
    updated_at  timestamptz      NOT NULL,
    PRIMARY KEY (address)
);
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

CREATE TABLE login_lockouts (
    account       text        NOT NULL CHECK (account ~ '^[0-9a-f]{64}$'),
    -- Consecutive failures since the last success or lockout.
    failures      integer     NOT NULL CHECK (failures >= 0),
    locked_until  timestamptz,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (account)
);
CREATE INDEX login_lockouts_updated_idx ON login_lockouts (updated_at);

ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY login_protection ON login_throttle TO soapstone_auth USING (true) WITH CHECK (true);
ALTER TABLE login_lockouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_lockouts FORCE ROW LEVEL SECURITY;
CREATE POLICY login_protection ON login_lockouts TO soapstone_auth USING (true) WITH CHECK (true);
REVOKE ALL ON login_throttle, login_lockouts FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle, login_lockouts TO soapstone_auth;

-- Takes one attempt from the address's allowance of per_minute attempts, which refills
-- continuously (a token bucket). Answers 0 when admitted, else the seconds until an attempt is
-- free again. `at` is the server's clock, so every instance and the tests agree on time.
CREATE FUNCTION auth_throttle(client_address text, per_minute integer, at timestamptz) RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stored  public.login_throttle;
    refilled double precision;
BEGIN
    INSERT INTO public.login_throttle (address, tokens, updated_at) VALUES (client_address, per_minute, at)
        ON CONFLICT (address) DO NOTHING;
    SELECT * INTO stored FROM public.login_throttle WHERE address = client_address FOR UPDATE;
    refilled := least(per_minute,
                      stored.tokens + greatest(0, extract(epoch FROM at - stored.updated_at)) * per_minute / 60.0);
    UPDATE public.login_throttle
       SET tokens = CASE WHEN refilled >= 1 THEN refilled - 1 ELSE refilled END,
           updated_at = greatest(stored.updated_at, at)
     WHERE address = client_address;
    -- A full allowance carries no information: forget a few of those (after a minute without
    -- an attempt every allowance is full), so the table holds about a minute of addresses.
    DELETE FROM public.login_throttle
     WHERE address IN (SELECT address FROM public.login_throttle
                        WHERE updated_at < at - interval '61 seconds' LIMIT 20);
    IF refilled >= 1 THEN
        RETURN 0;
    END IF;
    RETURN greatest(1, ceil((1 - refilled) * 60 / per_minute))::integer;
END
$$;

-- Seconds the account stays locked; 0 when it is not.
CREATE FUNCTION auth_lockout_remaining(account_key text, at timestamptz) RETURNS integer
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    until timestamptz;
BEGIN
    SELECT locked_until INTO until FROM public.login_lockouts WHERE account = account_key;
    RETURN coalesce(greatest(0, ceil(extract(epoch FROM until - at))), 0)::integer;
END
$$;

-- Counts a failed login of the account; answers true when this failure locked it (the
-- threshold-th in a row, none older than the lockout itself), for lockout_seconds.
CREATE FUNCTION auth_login_failed(account_key text, threshold integer, lockout_seconds integer, at timestamptz)
    RETURNS boolean
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    counted integer;
    window_start timestamptz := at - make_interval(secs => lockout_seconds);
BEGIN
    INSERT INTO public.login_lockouts AS l (account, failures, locked_until, updated_at)
    VALUES (account_key, 1, NULL, at)
    ON CONFLICT (account) DO UPDATE
       SET failures = CASE WHEN l.updated_at < window_start OR l.locked_until IS NOT NULL THEN 1 ELSE l.failures + 1 END,
           locked_until = NULL,
           updated_at = greatest(l.updated_at, at)
    RETURNING failures INTO counted;
    -- Failures and lockouts older than a lockout carry nothing: forget a few.
    DELETE FROM public.login_lockouts
     WHERE account IN (SELECT account FROM public.login_lockouts
                        WHERE updated_at < window_start AND (locked_until IS NULL OR locked_until < at) LIMIT 20);
    IF counted < threshold THEN
        RETURN false;
    END IF;
    UPDATE public.login_lockouts SET failures = 0, locked_until = at + make_interval(secs => lockout_seconds)
     WHERE account = account_key;
    RETURN true;
END
$$;

-- A successful login clears the account's failures.
CREATE FUNCTION auth_login_succeeded(account_key text) RETURNS void
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM public.login_lockouts WHERE account = account_key
$$;

REVOKE ALL ON FUNCTION auth_throttle(text, integer, timestamptz), auth_lockout_remaining(text, timestamptz),
    auth_login_failed(text, integer, integer, timestamptz), auth_login_succeeded(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_throttle(text, integer, timestamptz), auth_lockout_remaining(text, timestamptz),
    auth_login_failed(text, integer, integer, timestamptz), auth_login_succeeded(text) TO soapstone_app;

-- As in migration 2: the functions change owner to soapstone_auth, which needs the migrating
-- role's membership and CREATE on the schema for that moment only.
GRANT soapstone_auth TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_auth;
ALTER FUNCTION auth_throttle(text, integer, timestamptz) OWNER TO soapstone_auth;
ALTER FUNCTION auth_lockout_remaining(text, timestamptz) OWNER TO soapstone_auth;
ALTER FUNCTION auth_login_failed(text, integer, integer, timestamptz) OWNER TO soapstone_auth;
ALTER FUNCTION auth_login_succeeded(text) OWNER TO soapstone_auth;
REVOKE CREATE ON SCHEMA public FROM soapstone_auth;
REVOKE soapstone_auth FROM CURRENT_USER;
