-- Back to the rollup of budget actuals, rebuilt from the ledgers as migration 000011 did.
DROP TABLE cost_rollups;
DROP TABLE cost_lines;
DROP TABLE exchange_rates;
DROP TABLE ledger_state;
DROP INDEX stock_movements_occurred_on;
DROP INDEX stock_movements_billed;
ALTER TABLE stock_movements DROP COLUMN billed_line_id;
ALTER TABLE stock_movements DROP COLUMN billed_invoice_id;
ALTER TABLE items DROP COLUMN sale_price;
ALTER TABLE parties DROP COLUMN parts_markup;
ALTER TABLE stock_movements DROP COLUMN occurred_on;
CREATE TABLE budget_actuals (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    year          INTEGER NOT NULL,
    month         INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    category      TEXT NOT NULL CHECK (category IN ('labour', 'materials', 'services', 'software', 'travel', 'facilities', 'other')),
    actual        BIGINT NOT NULL DEFAULT 0,
    committed     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, currency, year, month, category)
);
CREATE INDEX budget_actuals_year ON budget_actuals (currency, year, department_id);

INSERT INTO budget_actuals (department_id, currency, year, month, category, actual, committed)
SELECT department_id, currency, year, month, category, SUM(actual), SUM(committed) FROM (
    SELECT department_id, cost_currency AS currency, CAST(EXTRACT(YEAR FROM work_date) AS INTEGER) AS year, CAST(EXTRACT(MONTH FROM work_date) AS INTEGER) AS month,
        'labour' AS category, cost AS actual, 0 AS committed
    FROM time_entries
    UNION ALL
    SELECT m.department_id, i.currency, CAST(EXTRACT(YEAR FROM m.created_at) AS INTEGER), CAST(EXTRACT(MONTH FROM m.created_at) AS INTEGER), 'materials', -m.value_delta, 0
    FROM stock_movements m JOIN items i ON i.id = m.item_id
    WHERE m.kind = 'issue' AND m.department_id IS NOT NULL
    UNION ALL
    SELECT l.department_id, i.currency, CAST(EXTRACT(YEAR FROM COALESCE(i.issue_date, CAST(i.created_at AS DATE))) AS INTEGER), CAST(EXTRACT(MONTH FROM COALESCE(i.issue_date, CAST(i.created_at AS DATE))) AS INTEGER), l.budget_category,
        CASE WHEN i.status = 'draft' THEN 0 WHEN i.kind = 'credit_note' THEN -l.net ELSE GREATEST(0, l.net - (SELECT COALESCE(SUM(m.value_delta), 0) FROM stock_movements m JOIN items it ON it.id = m.item_id WHERE m.invoice_line_id = l.id AND it.currency = i.currency)) END,
        CASE WHEN i.status = 'draft' AND i.kind = 'payable' THEN GREATEST(0, l.net - (SELECT COALESCE(SUM(m.value_delta), 0) FROM stock_movements m JOIN items it ON it.id = m.item_id WHERE m.invoice_line_id = l.id AND it.currency = i.currency)) ELSE 0 END
    FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
    WHERE i.vendor_id IS NOT NULL AND i.status <> 'void' AND l.department_id IS NOT NULL
) AS spent
GROUP BY department_id, currency, year, month, category;
