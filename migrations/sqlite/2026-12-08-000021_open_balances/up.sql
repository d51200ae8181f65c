-- What issued receivables and payables still owe, per party, currency and due date, kept in the
-- same transaction as every issue, payment, credit note and void (src/invoices/repo/open_balances.rs):
-- the aging report for today reads these rows instead of every open invoice with its payments.
-- `invoices` counts the invoices with something left to pay; a row at 0 and 0 is deleted.
CREATE TABLE open_balances (
    kind TEXT NOT NULL,
    party_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    due_date DATE NOT NULL,
    amount BIGINT NOT NULL,
    invoices BIGINT NOT NULL,
    PRIMARY KEY (kind, party_id, currency, due_date)
);

INSERT INTO open_balances (kind, party_id, currency, due_date, amount, invoices)
SELECT kind, COALESCE(customer_id, vendor_id), currency, due_date,
       SUM(total - paid_total - credited_total), COUNT(*)
FROM invoices
WHERE kind IN ('receivable', 'payable') AND status IN ('issued', 'partially_paid')
  AND total - paid_total - credited_total > 0
GROUP BY kind, COALESCE(customer_id, vendor_id), currency, due_date;
