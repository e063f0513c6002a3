-- Disclosures, not counts (issue 31): a list or search showed patients without being about one,
-- and wrote one event with a count, so "who saw this patient?" missed every list that named
-- them. Such an event now keeps the ids of the patients it showed, as detail.patient_ids (a
-- JSON array of ids, inside the hash chain like every field), and this index finds them per
-- patient: GIN over (tenant_id, the array), leading with tenant_id as every index does, which
-- needs btree_gin's uuid class (a trusted extension, beside unaccent). Only the events that
-- carry the key are in it.
CREATE EXTENSION btree_gin SCHEMA soapstone_extensions;
CREATE INDEX audit_events_shown_idx ON audit_events USING gin (tenant_id, (detail -> 'patient_ids'))
    WHERE detail ? 'patient_ids';

-- GET /v1/patients?q= as migration 18 wrote it, but its event names the patients on the page
-- (at most the page size: the row past it only tells that more follow).
CREATE OR REPLACE FUNCTION soapstone_search_patients(
    tenant uuid, actor uuid, only_active boolean, after_patient uuid, page_size int, search_text text,
    first_part text, second_part text, family_first boolean,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS TABLE (
    id uuid, mrn text, given_name text, family_name text, birth_date date, sex text, active boolean, family_key text,
    given_key text
)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
    SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    -- Each key once per call: search_key (unaccent, under its own search_path) is the costly
    -- part of a condition, and as a parameter of the kept plan it would run in every scan.
    whole_key text := search_key(search_text);
    first_key text := search_key(first_part);
    second_key text := search_key(second_part);
    listed int := 0;
    shown uuid[] := '{}';
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    FOR id, mrn, given_name, family_name, birth_date, sex, active, family_key, given_key IN
    WITH after_row AS MATERIALIZED (
        SELECT c.family_key, c.given_key, c.id FROM patients c WHERE c.tenant_id = tenant AND c.id = after_patient
        UNION ALL
        SELECT ''::text COLLATE "C", ''::text COLLATE "C", '00000000-0000-0000-0000-000000000000'::uuid
         WHERE after_patient IS NULL
    )
    SELECT m.* FROM (
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant AND search_text IS NULL
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
        UNION
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant
            AND p.family_key >= whole_key AND p.family_key < whole_key || chr(1114111)
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
        UNION
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant
            AND p.given_key >= whole_key AND p.given_key < whole_key || chr(1114111)
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
        UNION
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant AND p.mrn_key = whole_key
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
        UNION
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant AND NOT family_first
            AND p.given_key >= first_key AND p.given_key < first_key || chr(1114111)
            AND p.family_key >= second_key AND p.family_key < second_key || chr(1114111)
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
        UNION
        (SELECT p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.active, p.family_key, p.given_key
           FROM patients p
          WHERE p.tenant_id = tenant
            AND p.family_key >= first_key AND p.family_key < first_key || chr(1114111)
            AND p.given_key >= second_key AND p.given_key < second_key || chr(1114111)
            AND (only_active IS NULL OR p.active = only_active)
            AND (p.family_key, p.given_key, p.id) > (SELECT * FROM after_row)
          ORDER BY p.family_key, p.given_key, p.id LIMIT page_size + 1)
    ) AS m
    ORDER BY m.family_key, m.given_key, m.id LIMIT page_size + 1
    LOOP
        RETURN NEXT;
        listed := listed + 1;
        -- The row past the page only says there is a next page: it is not shown.
        IF listed <= page_size THEN
            shown := shown || id;
        END IF;
    END LOOP;
    PERFORM soapstone_record_audit(
        tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id, audit_patient_id, audit_ip,
        audit_request_id, audit_client_request_id, audit_outcome,
        audit_detail || jsonb_build_object('count', cardinality(shown)::text, 'patient_ids', to_jsonb(shown)));
END
$$;
