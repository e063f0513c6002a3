-- The sealer on Citus (issue 31). Migration 31's audit_seal wrote a batch of seals with an
-- INSERT … SELECT from arrays: a source that is no table, which Citus gathers on the coordinator
-- and copies into the shard, and COPY is refused on a table under RLS, so on Citus nothing was
-- sealed. The same batch now reads its events beside the arrays, by tenant: Citus sends the
-- whole statement to the tenant's shard, as it does every other. The batch is hashed first,
-- so a seal that would find no event (none can: they were read in this transaction, and
-- audit_events is append-only) stops the seal instead of leaving a gap in the chain.
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
    written       integer;
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
        previous := previous || head_hash;
        head_hash := public.audit_seal_hash(head_hash, public.audit_event_canonical(
            e.id, e.tenant_id, e.occurred_at, e.user_id, e.role, e.action, e.entity_type, e.entity_id,
            e.patient_id, e.ip, e.request_id, e.client_request_id, e.outcome, e.detail));
        hashes := hashes || head_hash;
        sealed := sealed + 1;
    END LOOP;
    IF sealed > 0 THEN
        INSERT INTO public.audit_seals (tenant_id, position, event_id, event_occurred_at, previous_hash, hash)
        SELECT a.tenant_id, l.position, a.id, a.occurred_at, l.previous_hash, l.hash
          FROM public.audit_events a
          JOIN unnest(positions, events, previous, hashes) AS l(position, event_id, previous_hash, hash) ON a.id = l.event_id
         WHERE a.tenant_id = tenant;
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written <> sealed THEN
            RAISE EXCEPTION 'audit_seal: % events hashed, % sealed', sealed, written;
        END IF;
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
