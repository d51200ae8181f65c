DROP INDEX employees_search;
DROP INDEX employees_headcount;
DROP INDEX employees_manager;
CREATE INDEX employees_manager ON employees (manager_id, id);
DROP INDEX employees_department;
CREATE INDEX employees_department ON employees (department_id, id);
