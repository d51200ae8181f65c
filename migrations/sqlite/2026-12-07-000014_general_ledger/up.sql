-- The general ledger (src/ledger/journal/): a chart of accounts, a map from each kind of money event
-- to its accounts, and balanced double-entry journal entries posted by the events themselves and by
-- finance. The database holds the rules too: an entry's totals are kept by triggers from its lines,
-- a posted entry must balance (CHECK), posted entries and their lines never change (triggers), and
-- nothing is posted on or before the lock date (trigger). Monthly balances per account and
-- department are kept by a trigger when an entry is posted. Same meaning as the other dialect.

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 20),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    account_type TEXT NOT NULL CHECK (account_type IN ('asset', 'liability', 'equity', 'income', 'expense')),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);

-- Which account each kind of event posts to ("receivables", "revenue.time", "expense.travel",
-- "output_tax" or "output_tax.2000" for one tax rate, ...). An account named here is in use.
CREATE TABLE posting_map (
    event      TEXT PRIMARY KEY CHECK (length(event) BETWEEN 1 AND 60),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);

-- Nothing is posted on or before this day; corrections are dated after it.
ALTER TABLE ledger_state ADD COLUMN lock_date DATE;
-- The lock date's version, for If-Match on PUT /api/v1/books/lock.
ALTER TABLE ledger_state ADD COLUMN lock_version BIGINT NOT NULL DEFAULT 1;
-- When the records older than the general ledger were posted to it (at the first start after
-- this migration, by the same code that posts new events).
ALTER TABLE ledger_state ADD COLUMN journal_opened_at TIMESTAMP;

CREATE TABLE journal_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- JE-YYYY-NNNNNN, gapless per year, given when the entry is posted.
    number       TEXT UNIQUE,
    entry_date   DATE NOT NULL,
    memo         TEXT NOT NULL DEFAULT '' CHECK (length(memo) <= 500),
    origin       TEXT NOT NULL CHECK (origin IN ('event', 'manual')),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'posted')),
    source_type  TEXT,
    source_id    BIGINT,
    reverses_id  BIGINT UNIQUE REFERENCES journal_entries (id),
    -- Kept by the journal_lines triggers: the sums of the lines' base debits and credits.
    total_debit  BIGINT NOT NULL DEFAULT 0,
    total_credit BIGINT NOT NULL DEFAULT 0,
    line_count   INTEGER NOT NULL DEFAULT 0,
    created_by   BIGINT REFERENCES users (id),
    approved_by  BIGINT REFERENCES users (id),
    posted_at    TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- Debits equal credits in the base currency: the database's own check, not only the code's.
    CHECK (status <> 'posted' OR (total_debit = total_credit AND line_count >= 2 AND number IS NOT NULL AND posted_at IS NOT NULL)),
    -- Whoever writes an entry does not approve it.
    CHECK (approved_by IS NULL OR created_by IS NULL OR approved_by <> created_by),
    CHECK ((source_type IS NULL) = (source_id IS NULL))
);
CREATE INDEX journal_entries_source ON journal_entries (source_type, source_id);
CREATE INDEX journal_entries_date ON journal_entries (entry_date, id);

CREATE TABLE journal_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id      BIGINT NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    -- Base currency, minor units: exactly one side is non-zero.
    debit         BIGINT NOT NULL DEFAULT 0 CHECK (debit >= 0),
    credit        BIGINT NOT NULL DEFAULT 0 CHECK (credit >= 0),
    -- The transaction's currency and signed amount (debit positive) and the rate used.
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    amount        BIGINT NOT NULL,
    rate          TEXT NOT NULL CHECK (length(rate) BETWEEN 1 AND 32),
    -- Copied from the entry so that ledgers and statements read the lines alone.
    entry_date    DATE NOT NULL,
    department_id BIGINT,
    ticket_id     BIGINT,
    customer_id   BIGINT,
    vendor_id     BIGINT,
    employee_id   BIGINT,
    item_id       BIGINT,
    memo          TEXT NOT NULL DEFAULT '' CHECK (length(memo) <= 500),
    CHECK ((debit = 0) <> (credit = 0))
);
CREATE INDEX journal_lines_entry ON journal_lines (entry_id);
CREATE INDEX journal_lines_account ON journal_lines (account_id, entry_date, id);

-- The posted lines per account, department (0: none) and month, for the statements.
CREATE TABLE account_balances (
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    department_id BIGINT NOT NULL,
    year          INTEGER NOT NULL,
    month         INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    debit         BIGINT NOT NULL DEFAULT 0,
    credit        BIGINT NOT NULL DEFAULT 0,
    lines         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, department_id, year, month)
);

-- The default chart and posting map (finance changes both through the API).
INSERT INTO accounts (code, name, account_type, active, created_at, updated_at) VALUES
    ('1000', 'Bank', 'asset', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('1100', 'Accounts receivable', 'asset', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('1200', 'Inventory', 'asset', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('1300', 'Input tax recoverable', 'asset', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('2000', 'Accounts payable', 'liability', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('2100', 'Output tax payable', 'liability', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('2200', 'Accrued payroll', 'liability', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('2300', 'Goods received not invoiced', 'liability', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('3000', 'Owner''s equity', 'equity', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('3900', 'Retained earnings', 'equity', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('4000', 'Revenue: services (time)', 'income', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('4100', 'Revenue: parts', 'income', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('4900', 'Revenue: other', 'income', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('5000', 'Cost of services: labour', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('5100', 'Materials used', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('5200', 'Stock adjustments', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('6000', 'Services bought', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('6100', 'Software', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('6200', 'Travel', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('6300', 'Facilities', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('6900', 'Other expenses', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('7000', 'Exchange gains', 'income', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
    ('7100', 'Exchange losses', 'expense', TRUE, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));
INSERT INTO posting_map (event, account_id, updated_at)
    SELECT 'bank', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '1000'
UNION ALL
    SELECT 'receivables', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '1100'
UNION ALL
    SELECT 'inventory', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '1200'
UNION ALL
    SELECT 'input_tax', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '1300'
UNION ALL
    SELECT 'payables', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '2000'
UNION ALL
    SELECT 'output_tax', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '2100'
UNION ALL
    SELECT 'accrued_payroll', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '2200'
UNION ALL
    SELECT 'goods_received', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '2300'
UNION ALL
    SELECT 'equity', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '3000'
UNION ALL
    SELECT 'retained_earnings', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '3900'
UNION ALL
    SELECT 'revenue.time', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '4000'
UNION ALL
    SELECT 'revenue.parts', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '4100'
UNION ALL
    SELECT 'revenue.other', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '4900'
UNION ALL
    SELECT 'expense.labour', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '5000'
UNION ALL
    SELECT 'materials', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '5100'
UNION ALL
    SELECT 'expense.materials', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '5100'
UNION ALL
    SELECT 'stock_adjustment', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '5200'
UNION ALL
    SELECT 'expense.services', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '6000'
UNION ALL
    SELECT 'expense.software', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '6100'
UNION ALL
    SELECT 'expense.travel', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '6200'
UNION ALL
    SELECT 'expense.facilities', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '6300'
UNION ALL
    SELECT 'expense.other', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '6900'
UNION ALL
    SELECT 'fx_gain', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '7000'
UNION ALL
    SELECT 'fx_loss', id, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM accounts WHERE code = '7100';

-- A line may be added, changed or removed only while its entry is not posted; the entry's totals
-- follow its lines.
CREATE TRIGGER journal_lines_insert AFTER INSERT ON journal_lines BEGIN
    SELECT RAISE(ABORT, 'books: the journal entry is posted; its lines never change')
      FROM journal_entries WHERE id = NEW.entry_id AND status = 'posted';
    UPDATE journal_entries
       SET total_debit = total_debit + NEW.debit, total_credit = total_credit + NEW.credit, line_count = line_count + 1
     WHERE id = NEW.entry_id;
END;
CREATE TRIGGER journal_lines_update AFTER UPDATE ON journal_lines BEGIN
    SELECT RAISE(ABORT, 'books: the journal entry is posted; its lines never change')
      FROM journal_entries WHERE id IN (OLD.entry_id, NEW.entry_id) AND status = 'posted';
    UPDATE journal_entries
       SET total_debit = total_debit - OLD.debit, total_credit = total_credit - OLD.credit, line_count = line_count - 1
     WHERE id = OLD.entry_id;
    UPDATE journal_entries
       SET total_debit = total_debit + NEW.debit, total_credit = total_credit + NEW.credit, line_count = line_count + 1
     WHERE id = NEW.entry_id;
END;
CREATE TRIGGER journal_lines_delete AFTER DELETE ON journal_lines BEGIN
    SELECT RAISE(ABORT, 'books: the journal entry is posted; its lines never change')
      FROM journal_entries WHERE id = OLD.entry_id AND status = 'posted';
    UPDATE journal_entries
       SET total_debit = total_debit - OLD.debit, total_credit = total_credit - OLD.credit, line_count = line_count - 1
     WHERE id = OLD.entry_id;
END;

-- A posted entry never changes and is never deleted; nothing is posted on or before the lock date;
-- posting adds the entry's lines to the monthly balances.
CREATE TRIGGER journal_entries_immutable BEFORE UPDATE ON journal_entries WHEN OLD.status = 'posted' BEGIN
    SELECT RAISE(ABORT, 'books: the journal entry is posted; it never changes');
END;
CREATE TRIGGER journal_entries_undeletable BEFORE DELETE ON journal_entries WHEN OLD.status = 'posted' BEGIN
    SELECT RAISE(ABORT, 'books: the journal entry is posted; it is reversed, never deleted');
END;
CREATE TRIGGER journal_entries_lock_date BEFORE UPDATE OF status ON journal_entries
    WHEN NEW.status = 'posted' AND NEW.entry_date <= (SELECT lock_date FROM ledger_state WHERE id = 1) BEGIN
    SELECT RAISE(ABORT, 'books: the books are locked on the entry''s date');
END;
CREATE TRIGGER journal_entries_balances AFTER UPDATE OF status ON journal_entries
    WHEN NEW.status = 'posted' AND OLD.status <> 'posted' BEGIN
    INSERT INTO account_balances (account_id, department_id, year, month, debit, credit, lines)
    SELECT account_id, COALESCE(department_id, 0), CAST(strftime('%Y', entry_date) AS INTEGER),
           CAST(strftime('%m', entry_date) AS INTEGER), SUM(debit), SUM(credit), COUNT(*)
      FROM journal_lines WHERE entry_id = NEW.id
     GROUP BY 1, 2, 3, 4
    ON CONFLICT (account_id, department_id, year, month) DO UPDATE
       SET debit = account_balances.debit + excluded.debit,
           credit = account_balances.credit + excluded.credit,
           lines = account_balances.lines + excluded.lines;
END;
