-- DESIGN rule 9: an MRN is unique per clinic in any case and after trimming. Until now the
-- constraint compared MRNs as written, so "ns-3001" registered beside "NS-3001" and a search
-- found both. A clinic that already holds such MRNs stops this migration: which record keeps
-- the number is a decision for the clinic, never merged or renamed here. The message names
-- each clash by organisation and patient ids (no MRN or name: it reaches the operator's logs).
--
-- Forced RLS binds the owner who migrates: without lifting it for this transaction the check
-- would see no rows. The ALTERs lock the table until commit, so no request runs unforced.
ALTER TABLE patients NO FORCE ROW LEVEL SECURITY;

DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(format('organisation %s: patients %s', tenant_id, ids), '; ' ORDER BY tenant_id, ids)
      INTO clashes
      FROM (SELECT tenant_id, string_agg(id::text, ', ' ORDER BY created_at, id) AS ids
              FROM patients
             GROUP BY tenant_id, lower(btrim(mrn))
            HAVING count(*) > 1) AS clash;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'MRNs that differ only in case or surrounding spaces: %', clashes
            USING ERRCODE = '23505',
                  DETAIL = 'Give each of these patients an MRN of its own (PATCH /v1/patients/{id}), then migrate again.';
    END IF;
END
$$;

ALTER TABLE patients FORCE ROW LEVEL SECURITY;

ALTER TABLE patients DROP CONSTRAINT patients_tenant_id_mrn_key;
CREATE UNIQUE INDEX patients_tenant_id_mrn_identity_key ON patients (tenant_id, (lower(btrim(mrn))));
