UPDATE departments SET manager_id = NULL;
DROP TABLE employee_status_changes;
DROP TABLE compensation;
DROP TABLE employees;
DROP TABLE departments;
DROP TABLE counters;
