-- A write the record's state refuses (a save from a stale version: 412; a sign of a note that
-- is no draft, a transition the lifecycle does not allow, a duplicate MRN: 409) is audited
-- like a 403: who, which operation (the action), which entity, with the outcome `refused`.
-- One constraint per ALTER, as Citus requires.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_outcome_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_outcome_check
    CHECK (outcome IN ('success', 'failure', 'denied', 'refused'));
