-- PUT /v1/notes/{id}: the server's one statement (migration 18). Each client saves its own note
-- (one of the ...-4000-a000-<n> drafts), from the version its last save answered (\gset), as a
-- client following ETags would; pgbench starts with -D current_version=1, and each run with its
-- own -D note_offset so that no run meets a version another left.
\set n :client_id + 1 + :note_offset
SELECT id, encounter_id, patient_id, status, version AS current_version, subjective, objective, assessment, plan,
       author_id, signed_by, signed_at, signed_version, signed_sha256, entered_in_error_reason, entered_in_error_by,
       entered_in_error_at
  FROM soapstone_advance_note(:tenant, :user, ('00000000-0000-4000-a000-' || lpad(:n::text, 12, '0'))::uuid, 'draft',
       ARRAY[:current_version]::int[], ARRAY['draft'], 'Benchmark subjective, saved again', 'Benchmark objective',
       'Benchmark assessment', 'Benchmark plan', :user, NULL, false, 'physician', 'note.update', 'note',
       ('00000000-0000-4000-a000-' || lpad(:n::text, 12, '0'))::uuid, NULL, '127.0.0.1', 'bench-0123456789abcdef', NULL,
       'success', '{}')
\gset
