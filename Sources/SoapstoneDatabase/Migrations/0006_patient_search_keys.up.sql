-- Under RLS, PostgreSQL lets a condition run before the tenant policy, and so become an index
-- condition, only when it is leakproof. LIKE is not, and neither is any call of search_key()
-- on a column, so with 0003 a name search or a later page read every row of the tenant
-- (found by bench/clinical.sh with 10 000 patients). Stored keys, compared with leakproof
-- operations (starts_with, whose planner support turns a prefix into an index range, and row
-- comparison), make them index range scans that lead with tenant_id again.
ALTER TABLE patients
    ADD COLUMN family_key text COLLATE "C" GENERATED ALWAYS AS (search_key(family_name)) STORED,
    ADD COLUMN given_key text COLLATE "C" GENERATED ALWAYS AS (search_key(given_name)) STORED;

DROP INDEX patients_family_key_idx;
DROP INDEX patients_given_key_idx;
-- The list's order (family, given, id) and a family-name prefix search, from one index.
CREATE INDEX patients_family_key_idx ON patients (tenant_id, family_key, given_key, id);
CREATE INDEX patients_given_key_idx ON patients (tenant_id, given_key);
