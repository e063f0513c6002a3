-- Back to migration 7's privileges.
REVOKE EXECUTE ON FUNCTION soapstone_extensions.unaccent(regdictionary, text) FROM soapstone_app;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
