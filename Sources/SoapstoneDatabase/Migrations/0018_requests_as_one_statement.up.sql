-- The hot requests as one statement each (issue 17): a function that sets the tenant first
-- (soapstone_set_tenant, rule 8), does the work with an explicit tenant_id (rule 9), and
-- writes the audit event, all in the statement's own transaction. PostgresNIO sends every
-- statement with its own Sync and has no simple-query messages, so a transaction of its own
-- costs BEGIN and COMMIT as round trips of their own: five for a read. Called as one
-- prepared statement, a request is one round trip, parsed once per connection; PL/pgSQL
-- keeps each inner statement prepared for the session. The functions run as the caller
-- (SECURITY INVOKER): the policies bind them exactly as they bind the server's statements.
-- On Citus, a call runs its statements on the tenant's shards, and can be delegated whole to
-- the tenant's worker (docs/scaling.md).

-- The one INSERT of an audit event: the server's own statement (RecordAuditEvent) and the
-- functions below call it, so the event has one shape whoever writes it. The request functions
-- take the entry as the server built it (AuditEntry) and add only what the work learns: the
-- note's patient, the count listed, the version written.
CREATE FUNCTION soapstone_record_audit(
    tenant uuid, actor uuid, audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid,
    audit_patient_id uuid, audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text,
    audit_detail jsonb
) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    event uuid;
BEGIN
    INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id,
                              client_request_id, outcome, detail)
    VALUES (tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id, audit_patient_id, audit_ip,
            audit_request_id, audit_client_request_id, audit_outcome, audit_detail)
    RETURNING id INTO event;
    RETURN event;
END
$$;
REVOKE ALL ON FUNCTION soapstone_record_audit(uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_record_audit(uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb)
    TO soapstone_app;

-- GET /v1/patients/{id}: the record, and its read audited when there is one.
CREATE FUNCTION soapstone_read_patient(
    tenant uuid, actor uuid, patient uuid,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS SETOF api_patients
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    RETURN QUERY SELECT * FROM api_patients p WHERE p.tenant_id = tenant AND p.id = patient;
    IF FOUND THEN
        PERFORM soapstone_record_audit(tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
                                       audit_patient_id, audit_ip, audit_request_id, audit_client_request_id,
                                       audit_outcome, audit_detail);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;

-- GET /v1/patients?q=: one page in (family, given, id) order after the cursor's patient, and
-- the list audited with how many it showed. One ordered, limited index range per way of
-- matching, merged (an OR would walk the list order until enough rows match): the text as the
-- start of a family or a given name, as an MRN in any case, and, in two parts, as a name
-- written either way ("Zoe Bronte"), or family first when the text had a comma ("Bronte, Zoe").
-- One plan for every call (force_generic_plan: planned once per connection, not per search),
-- so each condition is one a generic plan keeps as an index range:
--   - a prefix as bounds on the stored key (C collation, so byte order): from the prefix to the
--     prefix followed by the greatest code point, U+10FFFF, which no name holds (starts_with
--     makes a range only of a prefix known when planning);
--   - a way that does not apply has a NULL argument: its range is empty, or its one-time filter
--     false, and its scan returns at once;
--   - the page starts after after_row: the cursor's patient's keys, or, with no cursor, a row
--     below every patient ('' sorts first and no id is the nil UUID), so the comparison stays
--     an index condition instead of an OR; a cursor naming no patient of this tenant gives no
--     row, and an empty page.
-- A name in two parts is two ranges, both index conditions of the family index, which also
-- gives the list's order. Only leakproof operations touch the stored keys (migrations 6 and
-- 14: comparisons and equality), so under RLS they stay index conditions. The columns are those the indexes
-- carry (migration 7): a search is answered from them without the table.
CREATE FUNCTION soapstone_search_patients(
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
    listed int;
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    RETURN QUERY
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
    ORDER BY m.family_key, m.given_key, m.id LIMIT page_size + 1;
    GET DIAGNOSTICS listed = ROW_COUNT;
    PERFORM soapstone_record_audit(
        tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id, audit_patient_id, audit_ip,
        audit_request_id, audit_client_request_id, audit_outcome,
        audit_detail || jsonb_build_object('count', least(listed, page_size)::text));
END
$$;
REVOKE ALL ON FUNCTION soapstone_search_patients(uuid, uuid, boolean, uuid, int, text, text, text, boolean,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_search_patients(uuid, uuid, boolean, uuid, int, text, text, text, boolean,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;

-- PUT /v1/notes/{id} (a draft's save) and POST …/amendments: the note moves to its next
-- version if it is still at one of the versions If-Match named and in one of the statuses the
-- lifecycle accepts (bound by the server from NoteLifecycle, the one table of those rules),
-- the version is written, the change audited. No row back: the server asks why in a
-- transaction of its own (not found, stale, or a status the change does not accept).
CREATE FUNCTION soapstone_advance_note(
    tenant uuid, actor uuid, note uuid, new_status text, expected_versions int[], from_statuses text[],
    new_subjective text, new_objective text, new_assessment text, new_plan text, author uuid, change_reason text,
    audit_role text, audit_action text, audit_entity_type text, audit_entity_id uuid, audit_patient_id uuid,
    audit_ip inet, audit_request_id text, audit_client_request_id text, audit_outcome text, audit_detail jsonb
) RETURNS SETOF api_notes
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
DECLARE
    advanced api_notes;
BEGIN
    PERFORM soapstone_set_tenant(tenant, actor);
    WITH moved AS (
        UPDATE notes SET current_version = current_version + 1, status = new_status
         WHERE tenant_id = tenant AND id = note
           AND (expected_versions IS NULL OR current_version = ANY(expected_versions))
           AND status = ANY(from_statuses)
        RETURNING *
    ),
    written AS (
        INSERT INTO note_versions AS v (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason)
        SELECT m.tenant_id, m.id, m.current_version, new_subjective, new_objective, new_assessment, new_plan, author,
               change_reason
          FROM moved m
        RETURNING v.*
    )
    SELECT n.id, n.tenant_id, n.encounter_id, n.patient_id, n.status, n.current_version, w.subjective, w.objective,
           w.assessment, w.plan, n.author_id, n.signed_by, n.signed_at, n.signed_version, n.signed_sha256, n.created_at,
           n.updated_at, n.entered_in_error_reason, n.entered_in_error_by, n.entered_in_error_at
      INTO advanced
      FROM moved n JOIN written w ON w.note_id = n.id;
    IF advanced.id IS NULL THEN
        RETURN;
    END IF;
    PERFORM soapstone_record_audit(
        tenant, actor, audit_role, audit_action, audit_entity_type, audit_entity_id,
        coalesce(audit_patient_id, advanced.patient_id), audit_ip, audit_request_id, audit_client_request_id,
        audit_outcome, audit_detail || jsonb_build_object('version', advanced.version::text));
    RETURN NEXT advanced;
END
$$;
REVOKE ALL ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb) TO soapstone_app;
