-- Per item and month (the month's first day): the sums of the stock ledger's quantity and value
-- changes, added to in the transaction that writes each movement (inventory::repo::
-- insert_movement). The stock valuation of a past day reads the months before its month here and
-- only its own month's movements from the ledger, so it costs items × months, not the ledger.
CREATE TABLE stock_month_totals (
    item_id        BIGINT NOT NULL REFERENCES items (id),
    month          DATE NOT NULL CHECK (EXTRACT(DAY FROM month) = 1),
    quantity_delta BIGINT NOT NULL,
    value_delta    BIGINT NOT NULL,
    PRIMARY KEY (item_id, month)
);
-- The valuation reads every item's months before a month: one range of this index, index-only.
CREATE INDEX stock_month_totals_month ON stock_month_totals (month, item_id) INCLUDE (quantity_delta, value_delta);

INSERT INTO stock_month_totals (item_id, month, quantity_delta, value_delta)
SELECT item_id, CAST(date_trunc('month', occurred_on) AS DATE),
    CAST(SUM(quantity_delta) AS BIGINT), CAST(SUM(value_delta) AS BIGINT)
FROM stock_movements
GROUP BY item_id, CAST(date_trunc('month', occurred_on) AS DATE);

-- The movements of the valued day's month, read by day: the index now carries the two changes,
-- so that part is index-only too instead of a heap fetch per movement.
DROP INDEX stock_movements_occurred_on;
CREATE INDEX stock_movements_occurred_on ON stock_movements (occurred_on, item_id) INCLUDE (quantity_delta, value_delta);
