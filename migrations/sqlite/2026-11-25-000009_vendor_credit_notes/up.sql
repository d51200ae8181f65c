-- Credit notes from vendors: a credit note may now credit a payable invoice (a bill), and then
-- its party is the bill's vendor instead of a customer. Every invoice has exactly one party;
-- receivables a customer, payables a vendor, credit notes either. Same meaning as
-- migrations/postgres.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt (its documented 12-step way), with
-- foreign keys off for the copy, so the rows that refer to invoices keep pointing at the same ids.
-- Hence no transaction around this migration (metadata.toml): it opens its own.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE invoices_rebuilt (
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
    CHECK ((customer_id IS NULL) <> (vendor_id IS NULL)),
    CHECK (kind = 'credit_note' OR (kind = 'payable') = (vendor_id IS NOT NULL)),
    CHECK ((kind = 'credit_note') = (credited_invoice_id IS NOT NULL)),
    CHECK ((status = 'draft') = (number IS NULL))
);
-- Keep AUTOINCREMENT's high-water mark: ids of deleted drafts are never given again.
INSERT INTO sqlite_sequence (name, seq) SELECT 'invoices_rebuilt', seq FROM sqlite_sequence WHERE name = 'invoices';
INSERT INTO invoices_rebuilt (id, kind, status, customer_id, vendor_id, credited_invoice_id, number, vendor_reference, currency, issue_date, due_date, notes, subtotal, tax_total, total, paid_total, credited_total, paid_on, void_reason, issued_at, voided_at, created_by, created_at, updated_at, version)
SELECT id, kind, status, customer_id, vendor_id, credited_invoice_id, number, vendor_reference, currency, issue_date, due_date, notes, subtotal, tax_total, total, paid_total, credited_total, paid_on, void_reason, issued_at, voided_at, created_by, created_at, updated_at, version FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_rebuilt RENAME TO invoices;
CREATE INDEX invoices_open ON invoices (kind, status, due_date);
CREATE INDEX invoices_customer ON invoices (customer_id, issue_date);
CREATE INDEX invoices_customer_id ON invoices (customer_id, id);
CREATE INDEX invoices_vendor_id ON invoices (vendor_id, id);
CREATE INDEX invoices_vendor ON invoices (vendor_id, issue_date);
CREATE INDEX invoices_issue_date ON invoices (kind, issue_date);
CREATE INDEX invoices_updated_at ON invoices (updated_at, id);
CREATE INDEX invoices_credited ON invoices (credited_invoice_id);
COMMIT;
PRAGMA foreign_keys = ON;
