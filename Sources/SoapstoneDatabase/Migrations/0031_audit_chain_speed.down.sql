-- Migration 29's encoding, sealer and chain reader.
CREATE OR REPLACE FUNCTION audit_event_canonical(
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
REVOKE soapstone_auth FROM CURRENT_USER;

DROP FUNCTION audit_chain(uuid, bigint, integer);
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
REVOKE ALL ON FUNCTION audit_chain(uuid, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain(uuid, bigint, integer) TO soapstone_app;
