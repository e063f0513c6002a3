DROP INDEX notes_drafts_idx;
