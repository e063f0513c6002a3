-- Idempotency-Key for the POSTs that create records: the first answer is kept for 24 hours,
-- and the same key with the same request gets it again instead of a second record.

CREATE TABLE idempotency_keys (
    tenant_id        uuid        NOT NULL REFERENCES tenants (tenant_id),
    user_id          uuid        NOT NULL,
    key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the operation, its path and its body: the same key with another request is refused.
    request_sha256   text        NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
    response_status  integer     NOT NULL CHECK (response_status BETWEEN 200 AND 299),
    -- The answer as sent: ids and the created record (it is the caller's own record).
    response_body    jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid)
    WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), ''))::uuid);

CREATE VIEW api_idempotency_keys WITH (security_invoker = true) AS
    SELECT tenant_id, user_id, key, request_sha256, response_status, created_at
    FROM idempotency_keys;

-- An expired key may be used again: its row is overwritten, nothing else changes.
GRANT SELECT, INSERT ON idempotency_keys TO soapstone_app;
GRANT UPDATE (request_sha256, response_status, response_body, created_at) ON idempotency_keys TO soapstone_app;
GRANT SELECT ON api_idempotency_keys TO soapstone_app;
