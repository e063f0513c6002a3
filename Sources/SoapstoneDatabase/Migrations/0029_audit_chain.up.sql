-- A tamper-evident chain over each tenant's audit events (issue 31). audit_events stays as it
-- is (append-only, never updated); each event is sealed into its tenant's chain by a row of
-- audit_seals, written only by the database's own sealing function, shortly after the event
-- commits: never in the request's transaction, so a busy clinic's reads do not queue on a
-- chain lock. hash = SHA-256(previous hash || canonical encoding of the event), in hex; the
-- first event's previous hash is 64 zeros. Positions are given at sealing, 1, 2, 3… per tenant.
-- Each seal row also keeps the previous hash it was computed from, so a verifier tells a
-- changed event (its row's hash no longer matches) from rows moved out of order (each row
-- still matches itself, not its place). Checkpoints keep the chain's head now and then, for a
-- clinic to copy out of the database: history before a head it holds cannot be rewritten
-- unnoticed, even by whoever controls this server.

CREATE TABLE audit_seals (
    tenant_id         uuid        NOT NULL,
    position          bigint      NOT NULL CHECK (position >= 1),
    event_id          uuid        NOT NULL,
    event_occurred_at timestamptz NOT NULL,
    previous_hash     text        NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
    hash              text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    sealed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, position)
);
SELECT soapstone_colocate('audit_seals', 'audit_events');
ALTER TABLE audit_seals ADD CONSTRAINT audit_seals_event_key UNIQUE (tenant_id, event_id);
ALTER TABLE audit_seals ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE audit_seals ADD FOREIGN KEY (tenant_id, event_id) REFERENCES audit_events (tenant_id, id);
-- Where the sealer left off: the newest event sealed in time order.
CREATE INDEX audit_seals_time_idx ON audit_seals (tenant_id, event_occurred_at DESC, event_id DESC);

CREATE TABLE audit_checkpoints (
    tenant_id  uuid        NOT NULL,
    position   bigint      NOT NULL CHECK (position >= 1),
    hash       text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, position)
);
SELECT soapstone_colocate('audit_checkpoints', 'audit_events');
ALTER TABLE audit_checkpoints ADD FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
ALTER TABLE audit_checkpoints ADD FOREIGN KEY (tenant_id, position) REFERENCES audit_seals (tenant_id, position);

SET LOCAL citus.enable_unsafe_triggers = on;
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change_of_immutable_row();

ALTER TABLE audit_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_seals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_seals FOR SELECT USING (tenant_id = soapstone_current_tenant());
CREATE POLICY tenant_append ON audit_seals FOR INSERT WITH CHECK (tenant_id = soapstone_current_tenant());
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_checkpoints FOR SELECT USING (tenant_id = soapstone_current_tenant());
CREATE POLICY tenant_append ON audit_checkpoints FOR INSERT WITH CHECK (tenant_id = soapstone_current_tenant());

CREATE VIEW api_audit_seals WITH (security_invoker = true) AS
    SELECT tenant_id, position, event_id, event_occurred_at, previous_hash, hash, sealed_at FROM audit_seals;
CREATE VIEW api_audit_checkpoints WITH (security_invoker = true) AS
    SELECT tenant_id, position, hash, created_at FROM audit_checkpoints;
-- The server reads its tenant's chain (to verify it, to export heads); it writes none of it.
GRANT SELECT ON audit_seals, audit_checkpoints, api_audit_seals, api_audit_checkpoints TO soapstone_app;

-- The canonical encoding of one event, the text a seal's hash covers: a first line naming the
-- encoding, then each field in this order, each written as its UTF-8 byte length, a colon, its
-- text and a newline, or as "~" and a newline when it is NULL (as note_content_sha256 writes
-- sections). Texts: uuids in lowercase with hyphens; occurred_at in UTC as
-- YYYY-MM-DDTHH:MM:SS.ffffffZ; ip as PostgreSQL's inet text (203.0.113.7/32); detail
-- as PostgreSQL's jsonb text (keys in jsonb's order, ", " and ": " between).
CREATE FUNCTION audit_event_canonical(
    id uuid, tenant_id uuid, occurred_at timestamptz, user_id uuid, role text, action text, entity_type text,
    entity_id uuid, patient_id uuid, ip inet, request_id text, client_request_id text, outcome text, detail jsonb
) RETURNS text
    LANGUAGE sql
    STABLE PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
    SELECT 'soapstone-audit-event-v1' || E'\n' || string_agg(
               coalesce(octet_length(convert_to(field, 'UTF8')) || ':' || field, '~') || E'\n', '' ORDER BY n)
      FROM unnest(ARRAY[
               id::text, tenant_id::text,
               to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               user_id::text, role, action, entity_type, entity_id::text, patient_id::text, ip::text, request_id,
               client_request_id, outcome, detail::text
           ]) WITH ORDINALITY AS f(field, n)
$$;

-- One link: SHA-256 of the previous hash's 64 hex characters followed by the canonical text.
CREATE FUNCTION audit_seal_hash(previous_hash text, canonical text) RETURNS text
    LANGUAGE sql
    IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
    SELECT encode(sha256(convert_to(previous_hash || canonical, 'UTF8')), 'hex')
$$;

-- How far back the sealer looks for an event that committed after newer ones were sealed (a
-- transaction that ran longer than the settling time). An unsealed event older than this,
-- behind the sealed ones, was never committed in its time: the verifier calls it inserted.
CREATE FUNCTION audit_late_window() RETURNS interval
    LANGUAGE sql
    IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
    SELECT interval '10 minutes'
$$;

-- Seals up to `batch` committed events of `tenant` into its chain; answers how many. Events
-- are taken once they are `settle` old (every transaction that could still commit one older
-- has ended: the server's transactions last milliseconds), newest-sealed first onward in time
-- order; with `late`, first those within audit_late_window() behind the newest sealed that
-- are not sealed yet (a transaction that ran longer). One sealer per tenant at a time (an
-- advisory lock; another answers 0 at once), and the chain's primary key refuses a fork
-- whatever happens. A crash mid-seal rolls the batch back: its events stay unsealed and the
-- next call seals them. A checkpoint of the head is kept every 1000 positions, and at least
-- every 5 minutes while events come.
CREATE FUNCTION audit_seal(tenant uuid, settle interval, late boolean, batch integer) RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    head_position bigint := 0;
    head_hash     text   := repeat('0', 64);
    mark_at       timestamptz;
    mark_id       uuid;
    horizon       timestamptz := now() - settle;
    sealed        integer := 0;
    last_checkpoint public.audit_checkpoints;
    e             record;
BEGIN
    PERFORM public.soapstone_set_tenant(tenant, NULL);
    IF NOT pg_try_advisory_xact_lock(1936683892, hashtext(tenant::text)) THEN
        RETURN 0;
    END IF;
    SELECT s.position, s.hash INTO head_position, head_hash
      FROM public.audit_seals s WHERE s.tenant_id = tenant ORDER BY s.position DESC LIMIT 1;
    IF NOT FOUND THEN
        head_position := 0;
        head_hash := repeat('0', 64);
    END IF;
    SELECT s.event_occurred_at, s.event_id INTO mark_at, mark_id
      FROM public.audit_seals s WHERE s.tenant_id = tenant ORDER BY s.event_occurred_at DESC, s.event_id DESC LIMIT 1;
    FOR e IN
        SELECT * FROM (
        (SELECT a.*, 1 AS part FROM public.audit_events a
          WHERE late AND mark_at IS NOT NULL AND a.tenant_id = tenant
            AND a.occurred_at >= mark_at - public.audit_late_window() AND (a.occurred_at, a.id) < (mark_at, mark_id)
            AND NOT EXISTS (SELECT FROM public.audit_seals s WHERE s.tenant_id = tenant AND s.event_id = a.id)
          ORDER BY a.occurred_at, a.id LIMIT batch)
        UNION ALL
        (SELECT a.*, 2 AS part FROM public.audit_events a
          WHERE a.tenant_id = tenant AND a.occurred_at < horizon
            AND (mark_at IS NULL OR (a.occurred_at, a.id) > (mark_at, mark_id))
          ORDER BY a.occurred_at, a.id LIMIT batch)
        ) unsealed
        ORDER BY unsealed.part, unsealed.occurred_at, unsealed.id
        LIMIT batch
    LOOP
        head_position := head_position + 1;
        INSERT INTO public.audit_seals (tenant_id, position, event_id, event_occurred_at, previous_hash, hash)
        VALUES (tenant, head_position, e.id, e.occurred_at, head_hash,
                public.audit_seal_hash(head_hash, public.audit_event_canonical(
                    e.id, e.tenant_id, e.occurred_at, e.user_id, e.role, e.action, e.entity_type, e.entity_id,
                    e.patient_id, e.ip, e.request_id, e.client_request_id, e.outcome, e.detail)))
        RETURNING hash INTO head_hash;
        sealed := sealed + 1;
    END LOOP;
    IF sealed > 0 THEN
        SELECT * INTO last_checkpoint FROM public.audit_checkpoints c
         WHERE c.tenant_id = tenant ORDER BY c.position DESC LIMIT 1;
        IF last_checkpoint.position IS NULL OR head_position - last_checkpoint.position >= 1000
           OR last_checkpoint.created_at < now() - interval '5 minutes' THEN
            INSERT INTO public.audit_checkpoints (tenant_id, position, hash) VALUES (tenant, head_position, head_hash);
        END IF;
    END IF;
    RETURN sealed;
END
$$;

-- Every tenant, for the sealer and the verifier, which run before any tenant context exists.
CREATE FUNCTION audit_tenants() RETURNS TABLE (tenant_id uuid, slug text)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT t.tenant_id, t.slug FROM public.tenants t ORDER BY t.slug;
END
$$;

-- A tenant's chain from `from_position`, `count` links at most, for a verifier: each link (its
-- position) as stored, and the hash its event gives now from the link's own previous hash (NULL when the
-- event is gone). Read-only, with the caller's rights: the owner (soapstone audit verify) or
-- the server for its own tenant.
CREATE FUNCTION audit_chain(tenant uuid, from_position bigint, count integer)
    RETURNS TABLE (link bigint, event_id uuid, previous_hash text, hash text, sealed_at timestamptz, recomputed text)
    LANGUAGE plpgsql
    STABLE
    SET search_path = pg_catalog, public
AS $$
BEGIN
    PERFORM soapstone_set_tenant(tenant, NULL);
    RETURN QUERY
        SELECT s.position, s.event_id, s.previous_hash, s.hash, s.sealed_at,
               CASE WHEN a.id IS NOT NULL THEN audit_seal_hash(s.previous_hash, audit_event_canonical(
                   a.id, a.tenant_id, a.occurred_at, a.user_id, a.role, a.action, a.entity_type, a.entity_id,
                   a.patient_id, a.ip, a.request_id, a.client_request_id, a.outcome, a.detail)) END
          FROM audit_seals s
          LEFT JOIN audit_events a ON a.tenant_id = s.tenant_id AND a.id = s.event_id
         WHERE s.tenant_id = tenant AND s.position >= from_position
         ORDER BY s.position
         LIMIT count;
END
$$;

-- Events of a tenant that no seal covers although newer ones were sealed more than
-- audit_late_window() after them: no transaction of the server commits that late, so each was
-- added behind the chain's back. Oldest first, `count` at most, each with the position of the
-- first seal of an event after it (where it would stand in the chain).
CREATE FUNCTION audit_strays(tenant uuid, count integer)
    RETURNS TABLE (event_id uuid, occurred_at timestamptz, next_position bigint)
    LANGUAGE plpgsql
    STABLE
    SET search_path = pg_catalog, public
AS $$
DECLARE
    mark_at timestamptz;
BEGIN
    PERFORM soapstone_set_tenant(tenant, NULL);
    SELECT max(s.event_occurred_at) INTO mark_at FROM audit_seals s WHERE s.tenant_id = tenant;
    RETURN QUERY
        SELECT a.id, a.occurred_at,
               (SELECT min(s.position) FROM audit_seals s
                 WHERE s.tenant_id = tenant AND s.event_occurred_at > a.occurred_at)
          FROM audit_events a
         WHERE a.tenant_id = tenant AND a.occurred_at < mark_at - audit_late_window()
           AND NOT EXISTS (SELECT FROM audit_seals s WHERE s.tenant_id = tenant AND s.event_id = a.id)
         ORDER BY a.occurred_at, a.id
         LIMIT count;
END
$$;

REVOKE ALL ON FUNCTION audit_event_canonical(uuid, uuid, timestamptz, uuid, text, text, text, uuid, uuid, inet, text, text,
    text, jsonb), audit_seal_hash(text, text), audit_late_window(), audit_seal(uuid, interval, boolean, integer),
    audit_tenants(), audit_chain(uuid, bigint, integer), audit_strays(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_event_canonical(uuid, uuid, timestamptz, uuid, text, text, text, uuid, uuid, inet, text,
    text, text, jsonb), audit_seal_hash(text, text), audit_late_window(), audit_seal(uuid, interval, boolean, integer),
    audit_tenants(), audit_chain(uuid, bigint, integer), audit_strays(uuid, integer) TO soapstone_app;

-- The sealer and the tenant list run as soapstone_auth (rule 10), which reads and seals one
-- tenant at a time under the same policies as everyone; the server may call them, never write
-- a seal itself. As in migration 2, the owner change needs the migrating role's membership and
-- CREATE on the schema for that moment only.
GRANT SELECT ON audit_events TO soapstone_auth;
GRANT SELECT, INSERT ON audit_seals, audit_checkpoints TO soapstone_auth;
GRANT EXECUTE ON FUNCTION soapstone_set_tenant(uuid, uuid), audit_event_canonical(uuid, uuid, timestamptz, uuid, text,
    text, text, uuid, uuid, inet, text, text, text, jsonb), audit_seal_hash(text, text), audit_late_window()
    TO soapstone_auth;
GRANT soapstone_auth TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_auth;
ALTER FUNCTION audit_seal(uuid, interval, boolean, integer) OWNER TO soapstone_auth;
ALTER FUNCTION audit_tenants() OWNER TO soapstone_auth;
-- The verifier (soapstone audit verify) runs as the owner, which lists tenants through this:
-- granted by soapstone_auth, now that it owns the function (the migrating role's own right to
-- it went with the ownership).
GRANT EXECUTE ON FUNCTION audit_tenants() TO CURRENT_USER;
REVOKE CREATE ON SCHEMA public FROM soapstone_auth;
REVOKE soapstone_auth FROM CURRENT_USER;
