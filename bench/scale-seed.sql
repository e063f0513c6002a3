-- For bench/scale.sh: :tenants more clinics beside northside, each holding what northside holds
-- in bench/clinical-seed.sql (:patients patients, named alike so a prefix matches as many),
-- and :notes notes of :versions versions each (10 000 versions a clinic: 10 million with
-- 1 000 clinics). Ids come from md5 of the clinic and the row's number, so every table's rows
-- are found again without a join.
-- Loaded as the superuser with triggers off (session_replication_role = replica: no
-- lifecycle or key checks, which a bulk load of consistent rows does not need); the
-- generated search keys are still computed.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
\timing on

INSERT INTO tenants (id, tenant_id, name, slug)
SELECT id, id, 'Scale clinic ' || n, 'scale-' || lpad(n::text, 4, '0')
  FROM (SELECT md5('scale tenant ' || n)::uuid AS id, n FROM generate_series(1, :tenants) AS n) t;

INSERT INTO users (id, tenant_id, email, name, role, password_hash)
SELECT md5(t.id::text || ':physician')::uuid, t.id, 'physician@' || t.slug || '.example', 'Scale Physician', 'physician',
       (SELECT password_hash FROM users WHERE email = 'physician@northside.example')
  FROM tenants t WHERE t.slug LIKE 'scale-%';

INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex, phone, email, address_city,
                      address_country)
SELECT md5(t.id::text || ':p:' || n)::uuid, t.id, 'B' || lpad(n::text, 6, '0'),
       (ARRAY['Amelia','Noah','Olivia','Liam','Emma','Mateo','Ava','Lucas','Sofia','Elias',
              'Mia','Hugo','Zoe','Leo','Ines','Omar','Nora','Felix','Ana','Ivan'])[1 + n % 20],
       (ARRAY['Garcia','Smith','Nguyen','Müller','Okafor','Johansson','Kowalski','Haddad','Rossi','Tanaka',
              'Dubois','Novak','Silva','Kim','Ahmed','Brown','Martin','Schmidt','Lopez','Ivanova',
              'Fischer','Moreau','Costa','Yilmaz','Hansen','Walker','Petrov','Bauer','Santos','Wright',
              'Lindqvist','Mendes','Horvat','Sato','O''Brien','Jensen','Keller','Lambert','Ortiz','Weber'])[1 + (n * 7) % 40],
       DATE '1940-01-01' + (n * 37) % 25000, (ARRAY['female', 'male', 'other', 'unknown'])[1 + n % 4],
       '+1 555 ' || lpad(n::text, 4, '0'), 'patient' || n || '@example.com', 'Springfield', 'US'
  FROM tenants t, generate_series(1, :patients) AS n
 WHERE t.slug LIKE 'scale-%';

INSERT INTO encounters (id, tenant_id, patient_id, type, status, started_at, reason)
SELECT md5(t.id::text || ':e:' || n)::uuid, t.id, md5(t.id::text || ':p:' || n)::uuid, 'in_person', 'in_progress', now(),
       'Benchmark visit'
  FROM tenants t, generate_series(1, :notes) AS n
 WHERE t.slug LIKE 'scale-%';

INSERT INTO notes (id, tenant_id, encounter_id, patient_id, status, current_version, author_id)
SELECT md5(t.id::text || ':n:' || n)::uuid, t.id, md5(t.id::text || ':e:' || n)::uuid, md5(t.id::text || ':p:' || n)::uuid,
       'draft', :versions, md5(t.id::text || ':physician')::uuid
  FROM tenants t, generate_series(1, :notes) AS n
 WHERE t.slug LIKE 'scale-%';

-- The same ten contents in every clinic: their hashes computed once.
WITH content AS (
    SELECT v, 'Benchmark subjective, version ' || v AS subjective,
           note_content_sha256('Benchmark subjective, version ' || v, 'Benchmark objective', 'Benchmark assessment',
                               'Benchmark plan') AS sha256
      FROM generate_series(1, :versions) AS v)
INSERT INTO note_versions (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, sha256, created_at)
SELECT t.id, md5(t.id::text || ':n:' || n)::uuid, c.v, c.subjective, 'Benchmark objective', 'Benchmark assessment',
       'Benchmark plan', md5(t.id::text || ':physician')::uuid, c.sha256, now() - (:versions - c.v) * interval '1 hour'
  FROM tenants t, generate_series(1, :notes) AS n, content c
 WHERE t.slug LIKE 'scale-%';
