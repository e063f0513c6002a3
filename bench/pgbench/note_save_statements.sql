-- PUT /v1/notes/{id} as the server ran it before migration 18: five statements. Each client saves its own note (one of the
-- ...-4000-a000-<n> drafts), from the version its last save answered (\gset), as a client
-- following ETags would; pgbench starts with -D current_version=1, and each run with its own
-- -D note_offset so that no run meets a version another left.
\set n :client_id + 1 + :note_offset
BEGIN;
SELECT soapstone_set_tenant(:tenant, :user);
WITH note AS (
    UPDATE notes SET current_version = current_version + 1, status = 'draft'
     WHERE id = ('00000000-0000-4000-a000-' || lpad(:n::text, 12, '0'))::uuid AND current_version = :current_version
       AND status = ANY(ARRAY['draft'])
    RETURNING *
),
version AS (
    INSERT INTO note_versions (tenant_id, note_id, version, subjective, objective, assessment, plan, author_id, reason)
    SELECT tenant_id, id, current_version, 'Benchmark subjective, saved again', 'Benchmark objective',
           'Benchmark assessment', 'Benchmark plan', :user, NULL FROM note
    RETURNING *
)
SELECT n.id, n.encounter_id, n.patient_id, n.status, n.current_version, v.subjective, v.objective, v.assessment, v.plan,
       n.author_id, coalesce(n.signed_by::text, '') AS signed_by, coalesce(n.signed_at::text, '') AS signed_at,
       coalesce(n.signed_version, 0) AS signed_version, coalesce(n.signed_sha256, '') AS signed_sha256
  FROM note n JOIN version v ON v.note_id = n.id
\gset
INSERT INTO audit_events (tenant_id, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id, outcome, detail)
VALUES (:tenant, :user, 'physician', 'note.update', 'note', :id, :patient_id, '127.0.0.1'::inet, 'bench-0123456789abcdef',
        'success', ('{"version":"' || :current_version || '"}')::jsonb)
RETURNING id;
COMMIT;
