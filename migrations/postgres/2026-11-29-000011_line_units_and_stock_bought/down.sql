-- Back to counting every bill line in full, and lines without unit or price per.
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
        CASE WHEN i.status = 'draft' THEN 0 WHEN i.kind = 'credit_note' THEN -l.net ELSE l.net END,
        CASE WHEN i.status = 'draft' AND i.kind = 'payable' THEN l.net ELSE 0 END
    FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
    WHERE i.vendor_id IS NOT NULL AND i.status <> 'void' AND l.department_id IS NOT NULL
) AS spent
GROUP BY department_id, currency, year, month, category;
DROP INDEX stock_movements_invoice_line;
ALTER TABLE invoice_lines DROP COLUMN price_per;
ALTER TABLE invoice_lines DROP COLUMN unit;
