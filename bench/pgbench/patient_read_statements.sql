-- GET /v1/patients/{id} as the server ran it before migration 18: five statements, BEGIN to
-- COMMIT (the middle three prepared there too). -D tenant= user= set the caller.
\set n random(1, 10000)
BEGIN;
SELECT soapstone_set_tenant(:tenant, :user);
SELECT id, mrn, given_name, family_name, birth_date::text, sex, phone, email, address_line, address_city,
       address_region, address_postal_code, address_country, active, created_at, updated_at
  FROM api_patients WHERE tenant_id = :tenant AND id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id, outcome, detail)
VALUES (:tenant, :user, 'physician', 'patient.read', 'patient', ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid,
        ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid, '127.0.0.1'::inet, 'bench-0123456789abcdef',
        'success', '{}'::jsonb)
RETURNING id;
COMMIT;
