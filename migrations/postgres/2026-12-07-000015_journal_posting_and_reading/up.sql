-- A journal entry's totals follow its lines (migration 000014). Inserted lines are now added once
-- per statement, from a transition table, instead of once per line: an event posts all of an
-- entry's lines in one INSERT, and a row trigger's UPDATE of the entry per line was most of the
-- cost of posting (and of posting the history when the books are opened on older data). Changed
-- and removed lines (of entries not yet posted) keep the row trigger. Same meaning as before.
DROP TRIGGER journal_lines_keep_totals ON journal_lines;
CREATE TRIGGER journal_lines_keep_totals AFTER UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_lines_keep_totals();

CREATE FUNCTION journal_lines_add_totals() RETURNS trigger AS $$
DECLARE
    posted_id BIGINT;
BEGIN
    SELECT e.id INTO posted_id FROM journal_entries e
     WHERE e.status = 'posted' AND e.id IN (SELECT entry_id FROM inserted_lines)
     LIMIT 1;
    IF posted_id IS NOT NULL THEN
        RAISE EXCEPTION 'books: journal entry % is posted; its lines never change', posted_id;
    END IF;
    UPDATE journal_entries e
       SET total_debit = e.total_debit + s.debit, total_credit = e.total_credit + s.credit,
           line_count = e.line_count + s.lines
      FROM (SELECT entry_id, SUM(debit) AS debit, SUM(credit) AS credit, COUNT(*) AS lines
              FROM inserted_lines GROUP BY entry_id) AS s
     WHERE e.id = s.entry_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_lines_add_totals AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS inserted_lines
    FOR EACH STATEMENT EXECUTE FUNCTION journal_lines_add_totals();

-- The statements read the days at the ends of a period (the month of an "as of" day) from the
-- lines by date, over every account.
CREATE INDEX journal_lines_date ON journal_lines (entry_date);
