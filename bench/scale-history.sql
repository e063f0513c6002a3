-- For bench/scale.sh, after bench/clinical-seed.sql: northside's notes ...-4000-a000-<n>
-- (1..500) get versions 2 to 10, so a note read and its history have ten versions to show.
-- About 10 500 versions in the database then: the "10 000" side of the comparison.
-- Loaded as the superuser with triggers off (session_replication_role = replica): the
-- lifecycle triggers allow one version per statement, which is not what is measured here.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO note_versions (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, sha256, created_at)
SELECT n.tenant_id, n.id, v, 'Benchmark subjective, version ' || v, 'Benchmark objective', 'Benchmark assessment',
       'Benchmark plan', n.author_id,
       note_content_sha256('Benchmark subjective, version ' || v, 'Benchmark objective', 'Benchmark assessment', 'Benchmark plan'),
       now() - (10 - v) * interval '1 hour'
  FROM notes n, generate_series(2, 10) AS v
 WHERE n.id BETWEEN '00000000-0000-4000-a000-000000000001' AND '00000000-0000-4000-a000-000000000500';
UPDATE notes SET current_version = 10
 WHERE id BETWEEN '00000000-0000-4000-a000-000000000001' AND '00000000-0000-4000-a000-000000000500';
COMMIT;
VACUUM ANALYZE notes, note_versions;
