-- The cost_lines CHECK is left widened: narrowing it would rebuild the table again, and no row
-- of another source type is left.
DELETE FROM cost_lines WHERE source_type = 'purchase_order';
ALTER TABLE invoices DROP COLUMN match_override_reason;
DROP INDEX invoice_lines_purchase_order_line;
ALTER TABLE invoice_lines DROP COLUMN purchase_order_line_id;
DROP TABLE purchase_receipts;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP TABLE purchase_request_lines;
DROP TABLE purchase_requests;
