-- Inventory: locations (warehouse → bin), items, stock per item and location, and the
-- append-only ledger of movements. Quantities are thousandths; values are minor units of the
-- item's currency; unit costs ten-thousandths of its major unit. An item's stock_value is the
-- value of what is on hand (moving weighted average: an issue takes its share of the value).
-- Same version and meaning as migrations/postgres.

CREATE TABLE stock_locations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    parent_id  BIGINT REFERENCES stock_locations (id),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);

CREATE TABLE items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    sku              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    unit             TEXT NOT NULL,
    category         TEXT,
    reorder_point    BIGINT NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    reorder_quantity BIGINT NOT NULL DEFAULT 0 CHECK (reorder_quantity >= 0),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    on_hand          BIGINT NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    stock_value      BIGINT NOT NULL DEFAULT 0 CHECK (stock_value >= 0),
    -- Set while on hand is at or under the reorder point: a crossing is reported once.
    below_reorder    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX items_low ON items (below_reorder, id);
CREATE INDEX items_updated_at ON items (updated_at, id);

-- The database's own guard against negative stock, under any concurrency.
CREATE TABLE stock_levels (
    item_id     BIGINT NOT NULL REFERENCES items (id),
    location_id BIGINT NOT NULL REFERENCES stock_locations (id),
    quantity    BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (item_id, location_id)
);
CREATE INDEX stock_levels_location ON stock_levels (location_id);

CREATE TABLE stock_movements (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id          BIGINT NOT NULL REFERENCES items (id),
    kind             TEXT NOT NULL CHECK (kind IN ('receipt', 'issue', 'transfer', 'adjustment')),
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    from_location_id BIGINT REFERENCES stock_locations (id),
    to_location_id   BIGINT REFERENCES stock_locations (id),
    -- The change of the item's total quantity and value (transfers: 0 and 0).
    quantity_delta   BIGINT NOT NULL,
    value_delta      BIGINT NOT NULL,
    unit_cost        BIGINT NOT NULL CHECK (unit_cost >= 0),
    value            BIGINT NOT NULL CHECK (value >= 0),
    on_hand_after    BIGINT NOT NULL CHECK (on_hand_after >= 0),
    ticket_id        BIGINT REFERENCES tickets (id),
    department_id    BIGINT REFERENCES departments (id),
    invoice_line_id  BIGINT REFERENCES invoice_lines (id),
    reason           TEXT,
    reverses_id      BIGINT UNIQUE REFERENCES stock_movements (id),
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    CHECK (from_location_id IS NOT NULL OR to_location_id IS NOT NULL)
);
CREATE INDEX stock_movements_item ON stock_movements (item_id, id);
CREATE INDEX stock_movements_created_at ON stock_movements (created_at, item_id);
CREATE INDEX stock_movements_ticket ON stock_movements (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX stock_movements_department ON stock_movements (department_id, created_at) WHERE department_id IS NOT NULL;
