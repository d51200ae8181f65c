-- Indexes found by bench/people.sh at 100k employees: lists of a department or a manager read
-- only their page in employee-number order; the headcount report reads an index instead of the
-- table; searching names and emails uses trigrams instead of scanning everyone.

DROP INDEX employees_department;
CREATE INDEX employees_department ON employees (department_id, employee_number);
DROP INDEX employees_manager;
CREATE INDEX employees_manager ON employees (manager_id, employee_number);
CREATE INDEX employees_headcount ON employees (department_id, status, employment_type);

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX employees_search ON employees
    USING gin ((lower(first_name || ' ' || last_name || ' ' || work_email)) gin_trgm_ops);
