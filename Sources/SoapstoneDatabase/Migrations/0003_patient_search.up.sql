-- Patient search: a prefix of the family or given name, whatever the case and accents, or an
-- exact MRN, answered from indexes that lead with tenant_id, in a stable order for keyset paging.

-- Extensions live in a schema of their own, away from the application's objects.
CREATE SCHEMA soapstone_extensions;
REVOKE ALL ON SCHEMA soapstone_extensions FROM PUBLIC;
GRANT USAGE ON SCHEMA soapstone_extensions TO soapstone_app;
CREATE EXTENSION unaccent SCHEMA soapstone_extensions;

-- unaccent() is only STABLE (its dictionary could change); naming the dictionary makes this
-- wrapper safe to declare IMMUTABLE, which an index expression requires.
CREATE FUNCTION search_key(value text) RETURNS text
    LANGUAGE sql
    IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog
AS $$
    SELECT lower(soapstone_extensions.unaccent('soapstone_extensions.unaccent'::regdictionary, value))
$$;
REVOKE ALL ON FUNCTION search_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_key(text) TO soapstone_app;

-- The list's order (family, given, id) and a family-name prefix search, from one index; the
-- "C" collation makes LIKE 'prefix%' and ORDER BY use it whatever the database's locale.
CREATE INDEX patients_family_key_idx
    ON patients (tenant_id, (search_key(family_name) COLLATE "C"), (search_key(given_name) COLLATE "C"), id);
CREATE INDEX patients_given_key_idx
    ON patients (tenant_id, (search_key(given_name) COLLATE "C"));
