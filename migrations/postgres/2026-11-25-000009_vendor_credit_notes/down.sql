-- Fails while credit notes from vendors exist: void and delete them first.
ALTER TABLE invoices DROP CONSTRAINT invoices_party_of_kind;
ALTER TABLE invoices DROP CONSTRAINT invoices_one_party;
ALTER TABLE invoices ADD CONSTRAINT invoices_check1 CHECK ((kind = 'payable') = (vendor_id IS NOT NULL));
ALTER TABLE invoices ADD CONSTRAINT invoices_check2 CHECK ((kind = 'payable') = (customer_id IS NULL));
