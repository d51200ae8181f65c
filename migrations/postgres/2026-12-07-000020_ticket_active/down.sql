DROP INDEX tickets_active_by_due;
DROP INDEX tickets_active_by_priority;
ALTER TABLE tickets DROP COLUMN active;
CREATE INDEX tickets_active_priority ON tickets (priority_rank DESC, id) WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_active_due ON tickets (resolution_due_at, id) WHERE status IN ('new', 'open', 'pending');
