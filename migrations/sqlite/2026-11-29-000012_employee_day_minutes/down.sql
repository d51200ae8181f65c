DROP TABLE employee_day_minutes;
