-- Whether a ticket is still being worked on (new, open or pending), kept by the database itself
-- as the status changes; the work queue's partial indexes are now defined on it, so that both
-- backends run the same `active = true` filter (see the SQLite migration for why).
ALTER TABLE tickets ADD COLUMN active boolean NOT NULL GENERATED ALWAYS AS (status IN ('new', 'open', 'pending')) STORED;
DROP INDEX tickets_active_priority;
DROP INDEX tickets_active_due;
CREATE INDEX tickets_active_by_priority ON tickets (priority_rank DESC, id) WHERE active;
CREATE INDEX tickets_active_by_due ON tickets (resolution_due_at, id) WHERE active;
