DROP INDEX patients_mrn_key_idx;
ALTER TABLE patients DROP COLUMN mrn_key;
