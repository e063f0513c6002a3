-- GET /v1/patients?q=@prefix@ (first page of 20) as the server ran it before migration 18: five
-- statements. bench/clinical.sh writes one copy per prefix and runs them with equal weight.
BEGIN;
SELECT soapstone_set_tenant(:tenant, :user);
SELECT * FROM (
    (SELECT id, mrn, given_name, family_name, birth_date::text, sex, active, family_key, given_key
       FROM patients WHERE starts_with(family_key, search_key('@prefix@'))
        AND (NULL::boolean IS NULL OR active = NULL)
        AND (NULL::uuid IS NULL OR (family_key, given_key, id) > (NULL::text, NULL::text, NULL::uuid))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION
    (SELECT id, mrn, given_name, family_name, birth_date::text, sex, active, family_key, given_key
       FROM patients WHERE starts_with(given_key, search_key('@prefix@'))
        AND (NULL::boolean IS NULL OR active = NULL)
        AND (NULL::uuid IS NULL OR (family_key, given_key, id) > (NULL::text, NULL::text, NULL::uuid))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION
    (SELECT id, mrn, given_name, family_name, birth_date::text, sex, active, family_key, given_key
       FROM patients WHERE mrn_key = search_key('@prefix@')
        AND (NULL::boolean IS NULL OR active = NULL)
        AND (NULL::uuid IS NULL OR (family_key, given_key, id) > (NULL::text, NULL::text, NULL::uuid))
      ORDER BY family_key, given_key, id LIMIT 21)
) AS matches
ORDER BY family_key, given_key, id LIMIT 21;
INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id, outcome, detail)
VALUES (:tenant, :user, 'physician', 'patient.list', 'patient', NULL, NULL, '127.0.0.1'::inet, 'bench-0123456789abcdef',
        'success', '{"count":"20","filtered":"true"}'::jsonb)
RETURNING id;
COMMIT;
