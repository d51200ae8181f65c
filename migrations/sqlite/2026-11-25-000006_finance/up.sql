-- Finance: customers and vendors, invoices (receivable, payable, credit notes) with their lines
-- and payments. Money is integer minor units of the invoice's currency; quantities are
-- thousandths, unit prices ten-thousandths of the currency's major unit, percentages hundredths
-- of a percent. Totals are written by the server only (src/invoices/model.rs says how).
-- Same version and meaning as migrations/postgres.

-- Customers and vendors are parties of one kind or the other: the same fields, one table. Only
-- customers have an hourly billing rate of their own. external_ref is the record's id in a CRM.
CREATE TABLE parties (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL CHECK (kind IN ('customer', 'vendor')),
    name                TEXT NOT NULL,
    email               TEXT,
    tax_id              TEXT,
    billing_address     TEXT,
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    payment_terms_days  INTEGER NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
    hourly_billing_rate BIGINT CHECK (hourly_billing_rate >= 0),
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    external_ref        TEXT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (kind, external_ref),
    CHECK (kind = 'customer' OR hourly_billing_rate IS NULL)
);
CREATE INDEX parties_kind ON parties (kind, id);
CREATE INDEX parties_updated_at ON parties (kind, updated_at, id);

-- A customer who asks for work on a desk (the ticket also keeps their name and email). SQLite
-- cannot drop a column that references another table, so the columns added to existing tables
-- carry no REFERENCES here (the down migration must work); the code checks the reference.
ALTER TABLE tickets ADD COLUMN requester_customer_id BIGINT;
CREATE INDEX tickets_customer ON tickets (requester_customer_id, id);

CREATE TABLE invoices (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL CHECK (kind IN ('receivable', 'payable', 'credit_note')),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void')),
    customer_id         BIGINT REFERENCES parties (id),
    vendor_id           BIGINT REFERENCES parties (id),
    credited_invoice_id BIGINT REFERENCES invoices (id),
    number              TEXT UNIQUE,
    vendor_reference    TEXT,
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    issue_date          DATE,
    due_date            DATE,
    notes               TEXT,
    subtotal            BIGINT NOT NULL DEFAULT 0,
    tax_total           BIGINT NOT NULL DEFAULT 0,
    total               BIGINT NOT NULL DEFAULT 0 CHECK (total >= 0),
    paid_total          BIGINT NOT NULL DEFAULT 0 CHECK (paid_total >= 0),
    credited_total      BIGINT NOT NULL DEFAULT 0 CHECK (credited_total >= 0),
    paid_on             DATE,
    void_reason         TEXT,
    issued_at           TIMESTAMP,
    voided_at           TIMESTAMP,
    created_by          BIGINT REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The backstop of "never overpaid, never credited below zero", also under concurrency.
    CHECK (paid_total + credited_total <= total),
    CHECK ((kind = 'payable') = (vendor_id IS NOT NULL)),
    CHECK ((kind = 'payable') = (customer_id IS NULL)),
    CHECK ((kind = 'credit_note') = (credited_invoice_id IS NOT NULL)),
    CHECK ((status = 'draft') = (number IS NULL))
);
CREATE INDEX invoices_open ON invoices (kind, status, due_date);
CREATE INDEX invoices_customer ON invoices (customer_id, issue_date);
-- A party's invoices newest first (bench/finance.sh).
CREATE INDEX invoices_customer_id ON invoices (customer_id, id);
CREATE INDEX invoices_vendor_id ON invoices (vendor_id, id);
CREATE INDEX invoices_vendor ON invoices (vendor_id, issue_date);
CREATE INDEX invoices_issue_date ON invoices (kind, issue_date);
CREATE INDEX invoices_updated_at ON invoices (updated_at, id);
CREATE INDEX invoices_credited ON invoices (credited_invoice_id);

CREATE TABLE invoice_lines (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      BIGINT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL CHECK (position >= 1),
    description     TEXT NOT NULL,
    quantity        BIGINT NOT NULL CHECK (quantity > 0),
    unit_price      BIGINT NOT NULL CHECK (unit_price >= 0),
    discount        INTEGER NOT NULL CHECK (discount BETWEEN 0 AND 10000),
    tax_rate        INTEGER NOT NULL CHECK (tax_rate BETWEEN 0 AND 10000),
    net             BIGINT NOT NULL CHECK (net >= 0),
    ticket_id       BIGINT REFERENCES tickets (id),
    item_id         BIGINT,
    department_id   BIGINT REFERENCES departments (id),
    budget_category TEXT CHECK (budget_category IN ('labour', 'materials', 'services', 'software', 'travel', 'facilities', 'other')),
    UNIQUE (invoice_id, position)
);
CREATE INDEX invoice_lines_department ON invoice_lines (department_id) WHERE department_id IS NOT NULL;
CREATE INDEX invoice_lines_ticket ON invoice_lines (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE payments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    paid_on    DATE NOT NULL,
    method     TEXT NOT NULL CHECK (method IN ('bank_transfer', 'card', 'cash', 'cheque', 'direct_debit', 'other')),
    reference  TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id, id);

-- The line a billed time entry is on (the invoice marker is time_entries.invoice_id).
ALTER TABLE time_entries ADD COLUMN invoice_line_id BIGINT;
CREATE INDEX time_entries_unbilled ON time_entries (ticket_id) WHERE billable AND invoice_id IS NULL;
-- The entries billed on an invoice, read with every invoice (bench/finance.sh: a scan before).
CREATE INDEX time_entries_invoice ON time_entries (invoice_id) WHERE invoice_id IS NOT NULL;
