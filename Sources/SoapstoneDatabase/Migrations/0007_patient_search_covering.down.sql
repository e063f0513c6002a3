-- Restores 0006's indexes.
DROP INDEX patients_given_key_idx;
DROP INDEX patients_family_key_idx;
CREATE INDEX patients_family_key_idx ON patients (tenant_id, family_key, given_key, id);
CREATE INDEX patients_given_key_idx ON patients (tenant_id, given_key);
