DROP INDEX journal_lines_date;
DROP TRIGGER journal_lines_add_totals ON journal_lines;
DROP FUNCTION journal_lines_add_totals();
DROP TRIGGER journal_lines_keep_totals ON journal_lines;
CREATE TRIGGER journal_lines_keep_totals AFTER INSERT OR UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_lines_keep_totals();
