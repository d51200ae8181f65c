DROP TABLE account_balances;
DROP TABLE journal_lines;
DROP TABLE journal_entries;
ALTER TABLE ledger_state DROP COLUMN journal_opened_at;
ALTER TABLE ledger_state DROP COLUMN lock_version;
ALTER TABLE ledger_state DROP COLUMN lock_date;
DROP TABLE posting_map;
DROP TABLE accounts;
