-- Invoice lines say what their quantity counts (`unit`) and how many units the unit price is
-- for (`price_per`): time is billed by the minute at an hourly rate (price per 60), so that the
-- line's net is minutes × rate ÷ 60 rounded once, and quantity × price ÷ per shows it.
ALTER TABLE invoice_lines ADD COLUMN unit TEXT CHECK (length(unit) <= 20);
ALTER TABLE invoice_lines ADD COLUMN price_per INTEGER NOT NULL DEFAULT 1 CHECK (price_per BETWEEN 1 AND 10000);

-- Stock received against a bill's line, found by the line (budget actuals read it).
CREATE INDEX stock_movements_invoice_line ON stock_movements (invoice_line_id) WHERE invoice_line_id IS NOT NULL;

-- Stock bought is inventory, not spend: a bill line counts in budget actuals less the value of the
-- stock received against it (never below zero); the parts count as materials when issued. The
-- rollup is rebuilt from the ledgers under that rule. Same meaning as migrations/sqlite.
DELETE FROM budget_actuals;
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
