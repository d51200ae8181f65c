DROP INDEX time_entries_invoice;
DROP INDEX time_entries_unbilled;
ALTER TABLE time_entries DROP COLUMN invoice_line_id;
DROP TABLE payments;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP INDEX tickets_customer;
ALTER TABLE tickets DROP COLUMN requester_customer_id;
DROP TABLE parties;
