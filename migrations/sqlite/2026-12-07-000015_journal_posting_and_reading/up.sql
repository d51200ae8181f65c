-- PostgreSQL adds an entry's inserted lines to its totals once per statement from this version
-- on; SQLite has no statement-level triggers, and its row triggers of migration 000014 stay
-- (cheap in-process).

-- The statements read the days at the ends of a period (the month of an "as of" day) from the
-- lines by date, over every account.
CREATE INDEX journal_lines_date ON journal_lines (entry_date);
