-- People: departments (cost centres), employees, effective-dated compensation, status history,
-- and the counters that hand out human numbers (employee numbers now; ticket and invoice numbers
-- later) gaplessly inside the issuing transaction. Same version and meaning as migrations/postgres
-- (SQLite checks a foreign key when a row is written, so departments may name employees before
-- that table exists).

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL CHECK (value >= 0)
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code = upper(code) AND length(code) BETWEEN 1 AND 20),
    name       TEXT NOT NULL,
    parent_id  BIGINT REFERENCES departments (id),
    manager_id BIGINT REFERENCES employees (id),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX departments_parent ON departments (parent_id);
CREATE INDEX departments_updated_at ON departments (updated_at, id);

CREATE TABLE employees (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_number TEXT NOT NULL UNIQUE,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    work_email      TEXT NOT NULL UNIQUE CHECK (work_email = lower(work_email)),
    job_title       TEXT NOT NULL,
    department_id   BIGINT NOT NULL REFERENCES departments (id),
    manager_id      BIGINT REFERENCES employees (id),
    employment_type TEXT NOT NULL CHECK (employment_type IN ('full_time', 'part_time', 'contractor')),
    status          TEXT NOT NULL CHECK (status IN ('onboarding', 'active', 'on_leave', 'terminated')),
    start_date      DATE NOT NULL,
    end_date        DATE,
    user_id         BIGINT UNIQUE REFERENCES users (id),
    phone           TEXT,
    personal_email  TEXT,
    birth_date      DATE,
    home_address    TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (status <> 'terminated' OR end_date IS NOT NULL),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE INDEX employees_department ON employees (department_id, id);
CREATE INDEX employees_manager ON employees (manager_id, id);
CREATE INDEX employees_status ON employees (status, id);
CREATE INDEX employees_name ON employees (last_name, first_name, id);
CREATE INDEX employees_updated_at ON employees (updated_at, id);

-- Never updated: a correction is a new row. The rate on a date is the row with the latest
-- effective_from on or before it (the latest recorded wins among rows of the same date).
CREATE TABLE compensation (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id      BIGINT NOT NULL REFERENCES employees (id),
    effective_from   DATE NOT NULL,
    hourly_cost_rate BIGINT NOT NULL CHECK (hourly_cost_rate >= 0),
    salary           BIGINT CHECK (salary >= 0),
    salary_period    TEXT CHECK (salary_period IN ('annual', 'monthly')),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    note             TEXT,
    created_at       TIMESTAMP NOT NULL,
    created_by       BIGINT,
    CHECK ((salary IS NULL) = (salary_period IS NULL))
);
CREATE INDEX compensation_effective ON compensation (employee_id, effective_from DESC, id DESC);

CREATE TABLE employee_status_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id    BIGINT NOT NULL REFERENCES employees (id),
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    effective_date DATE NOT NULL,
    reason         TEXT,
    changed_at     TIMESTAMP NOT NULL,
    changed_by     BIGINT
);
CREATE INDEX employee_status_changes_employee ON employee_status_changes (employee_id, id);
