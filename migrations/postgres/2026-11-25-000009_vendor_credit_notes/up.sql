-- Credit notes from vendors: a credit note may now credit a payable invoice (a bill), and then
-- its party is the bill's vendor instead of a customer. Every invoice has exactly one party;
-- receivables a customer, payables a vendor, credit notes either.
ALTER TABLE invoices DROP CONSTRAINT invoices_check1;
ALTER TABLE invoices DROP CONSTRAINT invoices_check2;
ALTER TABLE invoices ADD CONSTRAINT invoices_one_party CHECK ((customer_id IS NULL) <> (vendor_id IS NULL));
ALTER TABLE invoices ADD CONSTRAINT invoices_party_of_kind
    CHECK (kind = 'credit_note' OR (kind = 'payable') = (vendor_id IS NOT NULL));
