DROP INDEX patients_tenant_id_mrn_identity_key;
ALTER TABLE patients ADD CONSTRAINT patients_tenant_id_mrn_key UNIQUE (tenant_id, mrn);
