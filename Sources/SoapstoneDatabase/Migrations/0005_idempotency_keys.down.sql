-- Removes what 0005_idempotency_keys.up.sql created.
DROP VIEW api_idempotency_keys;
DROP TABLE idempotency_keys;
