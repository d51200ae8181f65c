-- The minutes each person logged on each day, kept beside the time entries by every write that
-- adds, moves or removes minutes, in the same transaction. Adding to a day is one conditional
-- upsert that takes the day's row (src/tickets/repo/time_entries.rs): parallel entries for one
-- person and day are added one after the other, on any number of nodes, and a day never passes
-- 24 hours (32 parallel hours once all went through on PostgreSQL). Days that passed 24 hours
-- before this migration keep their entries and take no more. Same meaning as migrations/sqlite.
CREATE TABLE employee_day_minutes (
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    work_date   DATE NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes >= 0),
    PRIMARY KEY (employee_id, work_date)
);

INSERT INTO employee_day_minutes (employee_id, work_date, minutes)
SELECT employee_id, work_date, SUM(minutes) FROM time_entries GROUP BY employee_id, work_date;
