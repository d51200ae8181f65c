-- Attachments (src/attachments/): files stored in the database, so that every node serves them,
-- attached to at most one record (ticket, comment, invoice or bill, employee, vendor, item) and
-- visible exactly to those who may see that record. Same meaning as the other dialect.

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The record it is attached to: parent_type names it, and exactly the one matching column
    -- below holds its id (a FOREIGN KEY each, so a record with files cannot be deleted under
    -- them: deleting a draft invoice with files is a 409 until its files are removed). All null:
    -- uploaded, not attached yet (seen only by its uploader and admins).
    parent_type  TEXT CHECK (parent_type IN ('ticket', 'comment', 'invoice', 'bill', 'employee', 'vendor', 'item')),
    ticket_id    BIGINT REFERENCES tickets (id),
    comment_id   BIGINT REFERENCES ticket_comments (id),
    -- Invoices, bills and credit notes are one table.
    invoice_id   BIGINT REFERENCES invoices (id),
    employee_id  BIGINT REFERENCES employees (id),
    vendor_id    BIGINT REFERENCES parties (id),
    item_id      BIGINT REFERENCES items (id),
    filename     TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type TEXT NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
    size_bytes   BIGINT NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    -- Hex SHA-256 of the content (the download's ETag); empty until the upload completes.
    sha256       TEXT NOT NULL DEFAULT '',
    -- False while the bytes are still arriving: such a row is invisible to every read and is
    -- removed if its upload fails (or, after a crash, by a later upload's sweep).
    complete     BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (
        (parent_type IS NULL AND ticket_id IS NULL AND comment_id IS NULL AND invoice_id IS NULL
            AND employee_id IS NULL AND vendor_id IS NULL AND item_id IS NULL)
        OR (parent_type IS NOT NULL
            AND (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END + CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END
                 + CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END + CASE WHEN employee_id IS NULL THEN 0 ELSE 1 END
                 + CASE WHEN vendor_id IS NULL THEN 0 ELSE 1 END + CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) = 1
            AND (parent_type <> 'ticket' OR ticket_id IS NOT NULL)
            AND (parent_type <> 'comment' OR comment_id IS NOT NULL)
            AND (parent_type NOT IN ('invoice', 'bill') OR invoice_id IS NOT NULL)
            AND (parent_type <> 'employee' OR employee_id IS NOT NULL)
            AND (parent_type <> 'vendor' OR vendor_id IS NOT NULL)
            AND (parent_type <> 'item' OR item_id IS NOT NULL))
    )
);
-- A record's files, listed by id; and the FOREIGN KEYs' look-ups when a parent is deleted.
CREATE INDEX attachments_ticket ON attachments (ticket_id, id) WHERE ticket_id IS NOT NULL;
CREATE INDEX attachments_comment ON attachments (comment_id, id) WHERE comment_id IS NOT NULL;
CREATE INDEX attachments_invoice ON attachments (invoice_id, id) WHERE invoice_id IS NOT NULL;
CREATE INDEX attachments_employee ON attachments (employee_id, id) WHERE employee_id IS NOT NULL;
CREATE INDEX attachments_vendor ON attachments (vendor_id, id) WHERE vendor_id IS NOT NULL;
CREATE INDEX attachments_item ON attachments (item_id, id) WHERE item_id IS NOT NULL;
-- A user's unattached uploads; and the sweep of uploads that never completed.
CREATE INDEX attachments_unattached ON attachments (created_by, id) WHERE parent_type IS NULL;
CREATE INDEX attachments_incomplete ON attachments (created_at) WHERE NOT complete;

-- The bytes, in chunks of 256 KiB (the last one shorter): a download reads them one at a time,
-- and a Range request only those it covers, so no file is ever held in memory whole.
CREATE TABLE attachment_chunks (
    attachment_id BIGINT NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    bytes         BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
