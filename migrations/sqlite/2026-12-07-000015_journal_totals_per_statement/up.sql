-- PostgreSQL adds an entry's inserted lines to its totals once per statement from this version
-- on. SQLite has no statement-level triggers: its row triggers of migration 000014 stay, and are
-- cheap in-process. Nothing changes here; the version exists so that both folders hold the same.
SELECT 1;
