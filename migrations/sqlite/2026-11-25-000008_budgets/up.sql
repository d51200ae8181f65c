-- Budgets: one per department and fiscal year (a calendar year), revised by new revisions once
-- approved. Planned amounts are minor units of the budget's currency, per category and month.
-- Same version and meaning as migrations/postgres.

CREATE TABLE budgets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    fiscal_year   INTEGER NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'superseded')),
    exceed_policy TEXT NOT NULL CHECK (exceed_policy IN ('ignore', 'warn', 'stop')),
    notes         TEXT,
    submitted_by  BIGINT REFERENCES users (id),
    submitted_at  TIMESTAMP,
    approved_by   BIGINT REFERENCES users (id),
    approved_at   TIMESTAMP,
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (department_id, fiscal_year, revision),
    -- Separation of duties, kept by the database too.
    CHECK (approved_by IS NULL OR submitted_by IS NULL OR approved_by <> submitted_by)
);
CREATE INDEX budgets_year ON budgets (fiscal_year, department_id);

CREATE TABLE budget_lines (
    budget_id BIGINT NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
    category  TEXT NOT NULL CHECK (category IN ('labour', 'materials', 'services', 'software', 'travel', 'facilities', 'other')),
    month     INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    planned   BIGINT NOT NULL CHECK (planned >= 0),
    PRIMARY KEY (budget_id, category, month)
);
