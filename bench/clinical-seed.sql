-- Benchmark data for bench/clinical.sh, run as the cluster's superuser on a throwaway
-- `soapstone dev` cluster: 10 000 patients of northside (ids ...-4000-8000-<n>), one
-- encounter and one draft note for each of the first 6 000: notes ...-4000-9000-<n> (1..5000)
-- for the HTTP runs, a block of 1 000 per wrk run, and ...-4000-a000-<n> (1..1000) for
-- pgbench, so no run meets a version another run left.
\set ON_ERROR_STOP on
BEGIN;
-- The other side of the RLS cost: the app's grants, and RLS does not bind it. Not the tables'
-- owner, whom the forced policies bind too; not the superuser, who skips privilege checks
-- that soapstone_server pays, so the difference would not be the policies' alone.
CREATE ROLE bench_unbound LOGIN BYPASSRLS IN ROLE soapstone_app;
CREATE TEMP TABLE bench_names AS
SELECT families, givens FROM (VALUES (
    ARRAY['Garcia','Smith','Nguyen','Müller','Okafor','Johansson','Kowalski','Haddad','Rossi','Tanaka',
          'Dubois','Novak','Silva','Kim','Ahmed','Brown','Martin','Schmidt','Lopez','Ivanova',
          'Fischer','Moreau','Costa','Yilmaz','Hansen','Walker','Petrov','Bauer','Santos','Wright',
          'Lindqvist','Mendes','Horvat','Sato','O''Brien','Jensen','Keller','Lambert','Ortiz','Weber'],
    ARRAY['Amelia','Noah','Olivia','Liam','Emma','Mateo','Ava','Lucas','Sofia','Elias',
          'Mia','Hugo','Zoe','Leo','Ines','Omar','Nora','Felix','Ana','Ivan'])) AS v(families, givens);

INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email, address_city,
                      address_country)
SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, t.tenant_id, 'B' || lpad(n::text, 6, '0'),
       givens[1 + n % 20], families[1 + (n * 7) % 40], DATE '1940-01-01' + (n * 37) % 25000,
       (ARRAY['female', 'male', 'other', 'unknown'])[1 + n % 4], '+1 555 ' || lpad(n::text, 4, '0'),
       'patient' || n || '@example.com', 'Springfield', 'US'
  FROM generate_series(1, 10000) AS n, bench_names, tenants t
 WHERE t.slug = 'northside';

INSERT INTO encounters (id, tenant_id, patient_id, type, status, started_at, reason)
SELECT ('00000000-0000-4000-8100-' || lpad(n::text, 12, '0'))::uuid, t.tenant_id,
       ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'in_person', 'in_progress', now(), 'Benchmark visit'
  FROM generate_series(1, 6000) AS n, tenants t
 WHERE t.slug = 'northside';

-- notes.current_version references its version (deferred), and a version is written only
-- for a note that is at that version: notes first, then their first versions.
INSERT INTO notes (id, tenant_id, encounter_id, patient_id, status, current_version, author_id)
SELECT ('00000000-0000-4000-' || CASE WHEN n <= 5000 THEN '9000-' || lpad(n::text, 12, '0')
                                      ELSE 'a000-' || lpad((n - 5000)::text, 12, '0') END)::uuid, t.tenant_id,
       ('00000000-0000-4000-8100-' || lpad(n::text, 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'draft', 1, u.id
  FROM generate_series(1, 6000) AS n, tenants t
  JOIN users u ON u.tenant_id = t.tenant_id AND u.email = 'physician@northside.example'
 WHERE t.slug = 'northside';
INSERT INTO note_versions (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id)
SELECT tenant_id, id, 1, 'Benchmark subjective', 'Benchmark objective', 'Benchmark assessment', 'Benchmark plan', author_id
  FROM notes WHERE id::text LIKE '00000000-0000-4000-_000-%';
COMMIT;
-- Settled before anything is measured: without VACUUM, autovacuum found the 10 000 new rows
-- during the first phase (the read's peak) and took its CPU, and index-only scans went to
-- the table until the visibility map was set.
VACUUM ANALYZE;
