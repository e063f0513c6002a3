-- GET /v1/patients/{id}: the statements the server runs, in its order (pgbench -M extended,
-- so each is one Parse/Bind/Execute like PostgresNIO's). -D tenant= user= set the caller.
\set n random(1, 10000)
BEGIN;
SELECT soapstone_set_tenant(:tenant, :user);
SELECT id, mrn, given_name, family_name, birth_date::text, sex, phone, email, address_line, address_city,
       address_region, address_postal_code, address_country, active, created_at, updated_at
  FROM api_patients WHERE id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id, outcome, detail)
VALUES (:tenant, :user, 'physician', 'patient.read', 'patient', ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid,
        ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid, '127.0.0.1'::inet, 'bench-0123456789abcdef',
        'success', '{}'::jsonb)
RETURNING id;
COMMIT;
