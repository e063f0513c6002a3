-- GET /v1/patients?q=@prefix@ (first page of 20): the server's one statement (migration 18).
-- bench/clinical.sh writes one copy per prefix and runs them with equal weight, as wrk picks
-- prefixes at random.
SELECT id, mrn, given_name, family_name, birth_date, sex, active, family_key, given_key
  FROM soapstone_search_patients(:tenant, :user, NULL, NULL, 20, '@prefix@', NULL, NULL, NULL,
       'physician', 'patient.list', 'patient', NULL, NULL, '127.0.0.1', 'bench-0123456789abcdef', NULL, 'success',
       '{"filtered":"true"}')
 ORDER BY family_key, given_key, id;
