-- Synthetic audit history for bench/audit.sh, run as the cluster's superuser: an organisation
-- of its own ("archive", none of its events sealed yet), 10 000 patients, one physician, and
-- :events events spread over the year before the run. Nine in ten are reads of one patient;
-- one in ten is a search that showed 20 patients (detail.patient_ids), as the server writes them.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO tenants (id, tenant_id, name, slug)
VALUES ('00000000-0000-4000-b000-000000000000', '00000000-0000-4000-b000-000000000000', 'Archive clinic', 'archive');
INSERT INTO users (id, tenant_id, email, name, role)
VALUES ('00000000-0000-4000-b000-100000000000', '00000000-0000-4000-b000-000000000000', 'physician@archive.example',
        'Dr. Archive', 'physician');
INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex)
SELECT ('00000000-0000-4000-b000-' || lpad(n::text, 12, '0'))::uuid, '00000000-0000-4000-b000-000000000000',
       'A' || lpad(n::text, 6, '0'), 'Given' || n, 'Family' || n, DATE '1950-01-01' + n, 'unknown'
  FROM generate_series(1, 10000) AS n;
COMMIT;

INSERT INTO audit_events (tenant_id, occurred_at, user_id, role, action, entity_type, entity_id, patient_id, ip,
                          request_id, outcome, detail)
SELECT '00000000-0000-4000-b000-000000000000', now() - interval '366 days' + g * (interval '365 days' / :events),
       '00000000-0000-4000-b000-100000000000', 'physician',
       CASE WHEN g % 10 = 0 THEN 'patient.list' ELSE 'patient.read' END, 'patient',
       CASE WHEN g % 10 = 0 THEN NULL ELSE p END, CASE WHEN g % 10 = 0 THEN NULL ELSE p END,
       '10.1.2.3', gen_random_uuid()::text, 'success',
       CASE WHEN g % 10 = 0
            THEN jsonb_build_object('count', '20', 'filtered', 'true', 'patient_ids',
                   (SELECT jsonb_agg(('00000000-0000-4000-b000-' || lpad((1 + (g::bigint * 31 + k * 499) % 10000)::text, 12, '0')))
                      FROM generate_series(0, 19) AS k))
            ELSE '{}'::jsonb END
  FROM generate_series(1, :events) AS g,
       LATERAL (SELECT ('00000000-0000-4000-b000-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 12, '0'))::uuid AS p) AS chosen;
ANALYZE audit_events;
