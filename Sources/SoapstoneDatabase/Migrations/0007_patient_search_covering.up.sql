-- A search sorts its matches in the list's order (family, given, id) before it keeps a page.
-- With only (tenant_id, given_key) in its index, a given-name search read every match from the
-- table and sorted it: 500 rows for a common given name among bench/'s 10 000 patients, the
-- slowest search by far. Both indexes now carry the list's keys and every column a search
-- lists (PatientSummary), so a search is answered from the indexes alone, without the table.
DROP INDEX patients_given_key_idx;
DROP INDEX patients_family_key_idx;
CREATE INDEX patients_family_key_idx ON patients (tenant_id, family_key, given_key, id)
    INCLUDE (mrn, given_name, family_name, birth_date, sex, active);
CREATE INDEX patients_given_key_idx ON patients (tenant_id, given_key, family_key, id)
    INCLUDE (mrn, given_name, family_name, birth_date, sex, active);
