-- An MRN is found as it is read aloud or typed in a hurry: "ns-1001" finds NS-1001. The key is
-- stored, like the name keys of 0006, so that under RLS the search compares it with a
-- leakproof operator and stays an index range that leads with tenant_id. The MRN stays unique
-- as it was written (tenant_id, mrn); two MRNs that differ only in case are both found.
ALTER TABLE patients
    ADD COLUMN mrn_key text COLLATE "C" GENERATED ALWAYS AS (search_key(mrn)) STORED;

CREATE INDEX patients_mrn_key_idx ON patients (tenant_id, mrn_key)
    INCLUDE (family_key, given_key, mrn, given_name, family_name, birth_date, sex, active);
