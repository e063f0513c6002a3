-- Removes what 0003_patient_search.up.sql created.
DROP INDEX patients_given_key_idx;
DROP INDEX patients_family_key_idx;
DROP FUNCTION search_key(text);
DROP EXTENSION unaccent;
REVOKE USAGE ON SCHEMA soapstone_extensions FROM soapstone_app;
DROP SCHEMA soapstone_extensions;
