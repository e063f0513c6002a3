-- The chain at speed (issue 31): migration 29's sealer wrote one row per statement and its
-- encoding sorted fourteen fields per event, a few thousand events a second; the verifier
-- re-computed every hash inside PostgreSQL with the same functions it was checking.
--
-- audit_event_canonical: the same text (field order, lengths, NULLs), made by concatenation.
CREATE OR REPLACE FUNCTION audit_event_canonical(
    id uuid, tenant_id uuid, occurred_at timestamptz, user_id uuid, role text, action text, entity_type text,
    entity_id uuid, patient_id uuid, ip inet, request_id text, client_request_id text, outcome text, detail jsonb
) RETURNS text
    LANGUAGE plpgsql
    STABLE PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
DECLARE
    field    text;
    encoding text := E'soapstone-audit-event-v1\n';
BEGIN
    FOREACH field IN ARRAY ARRAY[
        id::text, tenant_id::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        user_id::text, role, action, entity_type, entity_id::text, patient_id::text, ip::text, request_id,
        client_request_id, outcome, detail::text
    ] LOOP
        encoding := encoding || coalesce(octet_length(convert_to(field, 'UTF8')) || ':' || field, '~') || E'\n';
    END LOOP;
    RETURN encoding;
END
$$;

-- audit_seal: the same chain, the batch hashed in order and written by one INSERT.
GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION audit_seal(tenant uuid, settle interval, late boolean, batch integer) RETURNS integer
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
    positions     bigint[] := '{}';
    events        uuid[] := '{}';
    times         timestamptz[] := '{}';
    previous      text[] := '{}';
    hashes        text[] := '{}';
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
        positions := positions || head_position;
        events := events || e.id;
        times := times || e.occurred_at;
        previous := previous || head_hash;
        head_hash := public.audit_seal_hash(head_hash, public.audit_event_canonical(
            e.id, e.tenant_id, e.occurred_at, e.user_id, e.role, e.action, e.entity_type, e.entity_id,
            e.patient_id, e.ip, e.request_id, e.client_request_id, e.outcome, e.detail));
        hashes := hashes || head_hash;
        sealed := sealed + 1;
    END LOOP;
    IF sealed > 0 THEN
        INSERT INTO public.audit_seals (tenant_id, position, event_id, event_occurred_at, previous_hash, hash)
        SELECT tenant, l.position, l.event_id, l.occurred_at, l.previous_hash, l.hash
          FROM unnest(positions, events, times, previous, hashes) AS l(position, event_id, occurred_at, previous_hash, hash);
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
REVOKE soapstone_auth FROM CURRENT_USER;

-- audit_chain: each link with its event's fields as the canonical encoding writes them (NULL
-- for NULL; event_found false when the event is gone), no longer the hash PostgreSQL computes:
-- the verifier (AuditChain.verify) frames and hashes them itself, so it trusts neither this
-- database's functions nor its arithmetic, only its rows.
DROP FUNCTION audit_chain(uuid, bigint, integer);
CREATE FUNCTION audit_chain(tenant uuid, from_position bigint, count integer)
    RETURNS TABLE (link bigint, event_id uuid, previous_hash text, hash text, sealed_at timestamptz, event_found boolean,
                   id text, tenant_id text, occurred_at text, user_id text, role text, action text, entity_type text,
                   entity_id text, patient_id text, ip text, request_id text, client_request_id text, outcome text,
                   detail text)
    LANGUAGE plpgsql
    STABLE
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
BEGIN
    PERFORM soapstone_set_tenant(tenant, NULL);
    RETURN QUERY
        SELECT s.position, s.event_id, s.previous_hash, s.hash, s.sealed_at, a.id IS NOT NULL,
               a.id::text, a.tenant_id::text, to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               a.user_id::text, a.role, a.action, a.entity_type, a.entity_id::text, a.patient_id::text, a.ip::text,
               a.request_id, a.client_request_id, a.outcome, a.detail::text
          FROM audit_seals s
          LEFT JOIN audit_events a ON a.tenant_id = s.tenant_id AND a.id = s.event_id
         WHERE s.tenant_id = tenant AND s.position >= from_position
         ORDER BY s.position
         LIMIT count;
END
$$;
REVOKE ALL ON FUNCTION audit_chain(uuid, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain(uuid, bigint, integer) TO soapstone_app;
