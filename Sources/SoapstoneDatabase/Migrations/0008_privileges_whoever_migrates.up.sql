-- The schema serves alike whoever migrates it: the owner role, or a superuser.
--
-- Migration 1 ran ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC, which
-- changes the migrating role's defaults for every function it creates in this database from
-- then on, not only for ours. Run by a superuser, it reached the functions of the unaccent
-- extension (migration 3): search_key(), which soapstone_app calls as the invoker, then failed
-- with "permission denied for function unaccent", and no patient could be written.
--
-- So the migrating role's defaults go back to PostgreSQL's own; each function of ours revokes
-- PUBLIC's EXECUTE itself (the catalog tests hold every function in schema public to that),
-- and what soapstone_app calls of an extension is granted to it by name, whoever installed it.
-- A database migrated by several roles keeps the defaults of a role other than this one: a
-- superuser clears them with ALTER DEFAULT PRIVILEGES FOR ROLE <role> GRANT EXECUTE ON
-- FUNCTIONS TO PUBLIC.
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;

GRANT EXECUTE ON FUNCTION soapstone_extensions.unaccent(regdictionary, text) TO soapstone_app;
