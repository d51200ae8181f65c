DROP INDEX stock_movements_occurred_on;
CREATE INDEX stock_movements_occurred_on ON stock_movements (occurred_on, item_id);
DROP TABLE stock_month_totals;
