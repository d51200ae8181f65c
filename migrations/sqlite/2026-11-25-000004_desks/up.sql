-- Job desks: where a kind of work arrives. The key prefixes the desk's ticket numbers; the owning
-- department bears the desk's labour; members are the employees who may be assigned its work.
-- Same version and meaning as migrations/postgres.

CREATE TABLE desks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT NOT NULL UNIQUE CHECK (key = upper(key) AND length(key) BETWEEN 1 AND 10),
    name          TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    billing_rate  BIGINT NOT NULL CHECK (billing_rate >= 0),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX desks_department ON desks (department_id);
CREATE INDEX desks_updated_at ON desks (updated_at, id);

CREATE TABLE desk_sla_targets (
    desk_id                BIGINT NOT NULL REFERENCES desks (id) ON DELETE CASCADE,
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    first_response_minutes INTEGER NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes     INTEGER NOT NULL CHECK (resolution_minutes > 0),
    PRIMARY KEY (desk_id, priority)
);

CREATE TABLE desk_members (
    desk_id     BIGINT NOT NULL REFERENCES desks (id) ON DELETE CASCADE,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    added_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (desk_id, employee_id)
);
CREATE INDEX desk_members_employee ON desk_members (employee_id);
