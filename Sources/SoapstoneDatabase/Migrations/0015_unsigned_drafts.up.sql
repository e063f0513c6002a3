-- Physicians' list of drafts to sign, the longest waiting first: a range of this index, which
-- holds only drafts, so the list costs what it shows, not what the organisation ever wrote.
CREATE INDEX notes_drafts_idx ON notes (tenant_id, updated_at, id) WHERE status = 'draft';
