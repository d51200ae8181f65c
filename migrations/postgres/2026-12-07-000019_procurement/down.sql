DELETE FROM cost_lines WHERE source_type = 'purchase_order';
ALTER TABLE cost_lines DROP CONSTRAINT cost_lines_source_type_check;
ALTER TABLE cost_lines ADD CONSTRAINT cost_lines_source_type_check
    CHECK (source_type IN ('time_entry', 'stock_movement', 'invoice'));
ALTER TABLE invoices DROP COLUMN match_override_reason;
DROP INDEX invoice_lines_purchase_order_line;
ALTER TABLE invoice_lines DROP COLUMN purchase_order_line_id;
DROP TABLE purchase_receipts;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP TABLE purchase_request_lines;
DROP TABLE purchase_requests;
