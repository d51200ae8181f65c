DROP INDEX journal_lines_date;
