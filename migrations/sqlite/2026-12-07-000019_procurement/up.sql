-- Procurement (src/procurement/): purchase requests, purchase orders, receipts against them, and
-- bills citing their lines (three-way match). Same meaning as the other dialect.
-- Quantities are thousandths of a unit, prices ten-thousandths of the currency's unit (as on
-- invoices and stock movements), amounts minor units.

CREATE TABLE purchase_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id   BIGINT NOT NULL REFERENCES departments (id),
    -- Who asks (an employee of the department); NULL when low stock raised it by itself.
    requested_by    BIGINT REFERENCES employees (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'ordered', 'cancelled')),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    needed_by       DATE,
    note            TEXT,
    -- Raised by low stock for this item: at most one such request open per item.
    low_stock_item_id BIGINT REFERENCES items (id),
    decided_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at      TIMESTAMP,
    rejection_reason TEXT,
    created_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (status <> 'rejected' OR rejection_reason IS NOT NULL)
);
CREATE INDEX purchase_requests_department ON purchase_requests (department_id, id);
CREATE UNIQUE INDEX purchase_requests_open_low_stock ON purchase_requests (low_stock_item_id)
    WHERE low_stock_item_id IS NOT NULL AND status IN ('draft', 'submitted', 'approved');

CREATE TABLE purchase_request_lines (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      BIGINT NOT NULL REFERENCES purchase_requests (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL CHECK (position >= 1),
    item_id         BIGINT REFERENCES items (id),
    description     TEXT NOT NULL,
    quantity        BIGINT NOT NULL CHECK (quantity > 0),
    estimated_price BIGINT CHECK (estimated_price >= 0),
    UNIQUE (request_id, position)
);

CREATE TABLE purchase_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- PO-YYYY-NNNNNN, given when the order is sent (gapless per year).
    number          TEXT UNIQUE,
    vendor_id       BIGINT NOT NULL REFERENCES parties (id),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'partially_received', 'received', 'closed', 'cancelled')),
    expected_on     DATE,
    sent_on         DATE,
    -- The day the last ordered quantity arrived (lead time = received_on - sent_on).
    received_on     DATE,
    closed_on       DATE,
    cancel_reason   TEXT,
    budget_override_reason TEXT,
    note            TEXT,
    subtotal        BIGINT NOT NULL DEFAULT 0,
    tax_total       BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((number IS NULL) = (sent_on IS NULL)),
    CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL)
);
CREATE INDEX purchase_orders_vendor ON purchase_orders (vendor_id, id);
CREATE INDEX purchase_orders_status ON purchase_orders (status, id);

CREATE TABLE purchase_order_lines (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id          BIGINT NOT NULL REFERENCES purchase_orders (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL CHECK (position >= 1),
    item_id           BIGINT REFERENCES items (id),
    description       TEXT NOT NULL,
    quantity          BIGINT NOT NULL CHECK (quantity > 0),
    unit_price        BIGINT NOT NULL CHECK (unit_price >= 0),
    tax_rate          INTEGER NOT NULL CHECK (tax_rate BETWEEN 0 AND 10000),
    net               BIGINT NOT NULL CHECK (net >= 0),
    -- The budget the line commits: a department and a category.
    department_id     BIGINT NOT NULL REFERENCES departments (id),
    budget_category   TEXT NOT NULL CHECK (budget_category IN ('labour', 'materials', 'services', 'software', 'travel', 'facilities', 'other')),
    request_line_id   BIGINT REFERENCES purchase_request_lines (id),
    -- Kept with every receipt (net of returns) and every bill issued or voided citing the line.
    received_quantity BIGINT NOT NULL DEFAULT 0 CHECK (received_quantity >= 0),
    billed_quantity   BIGINT NOT NULL DEFAULT 0 CHECK (billed_quantity >= 0),
    UNIQUE (order_id, position)
);
CREATE INDEX purchase_order_lines_request ON purchase_order_lines (request_line_id) WHERE request_line_id IS NOT NULL;

-- A receipt (quantity > 0) or a return to the vendor (quantity < 0) of one order line, and the
-- stock movement that moved it.
CREATE TABLE purchase_receipts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      BIGINT NOT NULL REFERENCES purchase_orders (id),
    order_line_id BIGINT NOT NULL REFERENCES purchase_order_lines (id),
    location_id   BIGINT NOT NULL REFERENCES stock_locations (id),
    quantity      BIGINT NOT NULL CHECK (quantity <> 0),
    received_on   DATE NOT NULL,
    movement_id   BIGINT NOT NULL UNIQUE REFERENCES stock_movements (id),
    note          TEXT,
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX purchase_receipts_order ON purchase_receipts (order_id, id);
CREATE INDEX purchase_receipts_line ON purchase_receipts (order_line_id);

-- A bill's line may cite the order line it bills; the match's override is kept on the bill.
ALTER TABLE invoice_lines ADD COLUMN purchase_order_line_id BIGINT REFERENCES purchase_order_lines (id);
CREATE INDEX invoice_lines_purchase_order_line ON invoice_lines (purchase_order_line_id) WHERE purchase_order_line_id IS NOT NULL;
ALTER TABLE invoices ADD COLUMN match_override_reason TEXT;

-- The cost book learns a new source: a purchase order's open commitment. SQLite cannot change
-- a CHECK in place, so the table is rebuilt (its self-reference checked at commit).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE cost_lines_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_on    DATE NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('labour', 'materials', 'expense', 'commitment', 'revenue')),
    category       TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    amount         BIGINT NOT NULL,
    quantity       BIGINT NOT NULL DEFAULT 0,
    rate           TEXT,
    base_amount    BIGINT,
    department_id  BIGINT,
    desk_id        BIGINT,
    ticket_id      BIGINT,
    customer_id    BIGINT,
    vendor_id      BIGINT,
    employee_id    BIGINT,
    item_id        BIGINT,
    source_type    TEXT NOT NULL CHECK (source_type IN ('time_entry', 'stock_movement', 'invoice', 'purchase_order')),
    source_id      BIGINT NOT NULL,
    source_line_id BIGINT,
    reverses_id    BIGINT UNIQUE REFERENCES cost_lines_new (id),
    created_at     TIMESTAMP NOT NULL,
    CHECK ((rate IS NULL) = (base_amount IS NULL))
);
INSERT INTO cost_lines_new SELECT id, occurred_on, kind, category, currency, amount, quantity, rate, base_amount,
    department_id, desk_id, ticket_id, customer_id, vendor_id, employee_id, item_id, source_type, source_id,
    source_line_id, reverses_id, created_at FROM cost_lines;
DROP TABLE cost_lines;
ALTER TABLE cost_lines_new RENAME TO cost_lines;
CREATE INDEX cost_lines_source ON cost_lines (source_type, source_id);
CREATE INDEX cost_lines_occurred ON cost_lines (occurred_on, department_id);
CREATE INDEX cost_lines_department ON cost_lines (department_id, occurred_on) WHERE department_id IS NOT NULL;
CREATE INDEX cost_lines_ticket ON cost_lines (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX cost_lines_desk ON cost_lines (desk_id, occurred_on) WHERE desk_id IS NOT NULL;
CREATE INDEX cost_lines_customer ON cost_lines (customer_id, occurred_on) WHERE customer_id IS NOT NULL;
