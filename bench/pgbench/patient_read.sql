-- GET /v1/patients/{id}: the server's one statement (migration 18), the audit entry as the
-- server binds it. -D tenant= user= set the caller. bench/clinical.sh runs it as
-- soapstone_server (bound by the policies) and, for the RLS cost, as bench_unbound (BYPASSRLS):
-- the function filters by tenant_id itself, so only the policies differ.
\set n random(1, 10000)
SELECT id, mrn, given_name, family_name, birth_date, sex, phone, email, address_line, address_city,
       address_region, address_postal_code, address_country, active, created_at, updated_at
  FROM soapstone_read_patient(:tenant, :user, ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid,
       'physician', 'patient.read', 'patient', ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid, '127.0.0.1', 'bench-0123456789abcdef', NULL,
       'success', '{}');
