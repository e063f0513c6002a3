-- Restores 0003's expression indexes and drops the stored keys.
DROP INDEX patients_given_key_idx;
DROP INDEX patients_family_key_idx;
ALTER TABLE patients DROP COLUMN given_key, DROP COLUMN family_key;
CREATE INDEX patients_family_key_idx
    ON patients (tenant_id, (search_key(family_name) COLLATE "C"), (search_key(given_name) COLLATE "C"), id);
CREATE INDEX patients_given_key_idx
    ON patients (tenant_id, (search_key(given_name) COLLATE "C"));
