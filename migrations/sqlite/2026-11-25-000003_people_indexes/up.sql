-- Indexes found by bench/people.sh at 100k employees: lists of a department or a manager read
-- only their page in employee-number order; the headcount report reads an index instead of the
-- table; searching names and emails uses an FTS5 trigram index (kept by triggers) instead of
-- scanning everyone. Same version and meaning as migrations/postgres.

DROP INDEX employees_department;
CREATE INDEX employees_department ON employees (department_id, employee_number);
DROP INDEX employees_manager;
CREATE INDEX employees_manager ON employees (manager_id, employee_number);
CREATE INDEX employees_headcount ON employees (department_id, status, employment_type);

CREATE VIRTUAL TABLE employees_search USING fts5(text, tokenize = 'trigram');
INSERT INTO employees_search (rowid, text)
    SELECT id, lower(first_name || ' ' || last_name || ' ' || work_email) FROM employees;
CREATE TRIGGER employees_search_insert AFTER INSERT ON employees BEGIN
    INSERT INTO employees_search (rowid, text)
        VALUES (new.id, lower(new.first_name || ' ' || new.last_name || ' ' || new.work_email));
END;
CREATE TRIGGER employees_search_update AFTER UPDATE OF first_name, last_name, work_email ON employees BEGIN
    DELETE FROM employees_search WHERE rowid = old.id;
    INSERT INTO employees_search (rowid, text)
        VALUES (new.id, lower(new.first_name || ' ' || new.last_name || ' ' || new.work_email));
END;
CREATE TRIGGER employees_search_delete AFTER DELETE ON employees BEGIN
    DELETE FROM employees_search WHERE rowid = old.id;
END;
