DROP INDEX tickets_active_by_due;
DROP INDEX tickets_active_by_priority;
ALTER TABLE tickets DROP COLUMN active;
