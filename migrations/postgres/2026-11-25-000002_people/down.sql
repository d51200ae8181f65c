DROP TABLE employee_status_changes;
DROP TABLE compensation;
ALTER TABLE departments DROP CONSTRAINT departments_manager_fk;
DROP TABLE employees;
DROP TABLE departments;
DROP TABLE counters;
