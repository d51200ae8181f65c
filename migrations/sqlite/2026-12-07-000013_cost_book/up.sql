-- The cost book (src/ledger/): every money event posts append-only lines with the day it happened,
-- its kind (labour, materials, expense, commitment, revenue), category, amount in its currency, the
-- rate to the base currency and the base amount, and its dimensions (department, desk, ticket,
-- customer, vendor, employee, item) and source document. A correction is a reversing line. Monthly rollups per
-- dimension are kept by the posting transaction; `opsdesk ledger verify` recomputes them from the
-- lines. The lines of data written before this migration are booked at the first start after it
-- (src/backfill.rs), by the same code that books new events. Same meaning as migrations/postgres.

-- One row: the currency the books are kept in (OPSDESK_BASE_CURRENCY at the first start) and when
-- the data written before the book existed was booked.
CREATE TABLE ledger_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    base_currency TEXT NOT NULL CHECK (length(base_currency) = 3),
    backfilled_at TIMESTAMP
);

-- Units of the base currency for one unit of `currency`, from `rate_date` on (until a later date's
-- rate). Append-only: a correction is a newer row for the same date, which wins from then on.
CREATE TABLE exchange_rates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    base_currency TEXT NOT NULL CHECK (length(base_currency) = 3),
    rate_date     DATE NOT NULL,
    rate          TEXT NOT NULL CHECK (length(rate) BETWEEN 1 AND 32),
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    CHECK (currency <> base_currency)
);
CREATE INDEX exchange_rates_pair ON exchange_rates (currency, base_currency, rate_date, id);

CREATE TABLE cost_lines (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_on    DATE NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('labour', 'materials', 'expense', 'commitment', 'revenue')),
    category       TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    amount         BIGINT NOT NULL,
    -- What was counted: minutes of labour, thousandths of the item's unit of materials; else 0.
    quantity       BIGINT NOT NULL DEFAULT 0,
    -- NULL only for lines booked from data older than the book whose rate was not known then.
    rate           TEXT,
    base_amount    BIGINT,
    department_id  BIGINT,
    desk_id        BIGINT,
    ticket_id      BIGINT,
    customer_id    BIGINT,
    vendor_id      BIGINT,
    employee_id    BIGINT,
    item_id        BIGINT,
    source_type    TEXT NOT NULL CHECK (source_type IN ('time_entry', 'stock_movement', 'invoice')),
    source_id      BIGINT NOT NULL,
    source_line_id BIGINT,
    reverses_id    BIGINT UNIQUE REFERENCES cost_lines (id),
    created_at     TIMESTAMP NOT NULL,
    CHECK ((rate IS NULL) = (base_amount IS NULL))
);
CREATE INDEX cost_lines_source ON cost_lines (source_type, source_id);
CREATE INDEX cost_lines_occurred ON cost_lines (occurred_on, department_id);
CREATE INDEX cost_lines_department ON cost_lines (department_id, occurred_on) WHERE department_id IS NOT NULL;
CREATE INDEX cost_lines_ticket ON cost_lines (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX cost_lines_desk ON cost_lines (desk_id, occurred_on) WHERE desk_id IS NOT NULL;
CREATE INDEX cost_lines_customer ON cost_lines (customer_id, occurred_on) WHERE customer_id IS NOT NULL;

-- Per dimension ('company' with id 0, 'department', 'customer', 'vendor', 'employee'), month, kind,
-- category and currency: the sums of the lines' amounts, base amounts and quantities, and how many
-- lines.
CREATE TABLE cost_rollups (
    dimension    TEXT NOT NULL CHECK (dimension IN ('company', 'department', 'customer', 'vendor', 'employee')),
    dimension_id BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    month        INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    kind         TEXT NOT NULL,
    category     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       BIGINT NOT NULL DEFAULT 0,
    base_amount  BIGINT NOT NULL DEFAULT 0,
    quantity     BIGINT NOT NULL DEFAULT 0,
    lines        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dimension, dimension_id, year, month, kind, category, currency)
);

-- Stock movements happened on a day, which may be before the day they were recorded.
ALTER TABLE stock_movements ADD COLUMN occurred_on DATE NOT NULL DEFAULT '1970-01-01';
UPDATE stock_movements SET occurred_on = date(created_at);
CREATE INDEX stock_movements_occurred_on ON stock_movements (occurred_on, item_id);

-- Parts used on a customer's ticket are billed with its time, each issue once: the invoice line
-- that billed it; the item's sale price per unit, or the cost plus the customer's markup
-- (hundredths of a percent).
ALTER TABLE stock_movements ADD COLUMN billed_invoice_id BIGINT REFERENCES invoices (id);
ALTER TABLE stock_movements ADD COLUMN billed_line_id BIGINT;
CREATE INDEX stock_movements_billed ON stock_movements (billed_invoice_id) WHERE billed_invoice_id IS NOT NULL;
ALTER TABLE items ADD COLUMN sale_price BIGINT CHECK (sale_price >= 0);
ALTER TABLE parties ADD COLUMN parts_markup INTEGER CHECK (parts_markup BETWEEN 0 AND 100000);

-- The rollup of budget actuals is the book's department rollup now.
DROP TABLE budget_actuals;
