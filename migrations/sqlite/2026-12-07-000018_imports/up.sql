-- Bulk import (src/imports/): a job per uploaded file, the file itself (kept in the database so
-- any node can run the job), and the rows it could not take. A node leases a queued job
-- (lease_owner, lease_until) before it runs it, so no two nodes run one job at once; a node that
-- dies mid-job leaves a lease that runs out, and another node takes the job again, after the
-- last row committed (next_row). Same meaning as the other dialect.

CREATE TABLE import_jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ('customers', 'vendors', 'items', 'employees', 'opening_stock')),
    mode           TEXT NOT NULL CHECK (mode IN ('insert', 'update', 'upsert')),
    commit_mode    TEXT NOT NULL CHECK (commit_mode IN ('whole_file', 'per_row')),
    dry_run        BOOLEAN NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('csv', 'ndjson')),
    status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'completed_with_errors')),
    -- Why the whole job failed, when it did for a reason that is no row's (the creator lost the
    -- right to import this kind).
    failure        TEXT,
    total_rows     BIGINT NOT NULL DEFAULT 0 CHECK (total_rows >= 0),
    processed_rows BIGINT NOT NULL DEFAULT 0 CHECK (processed_rows >= 0),
    inserted       BIGINT NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated        BIGINT NOT NULL DEFAULT 0 CHECK (updated >= 0),
    failed_rows    BIGINT NOT NULL DEFAULT 0 CHECK (failed_rows >= 0),
    -- per_row: the data rows before this one are done (committed with their counts and errors).
    next_row       BIGINT NOT NULL DEFAULT 0 CHECK (next_row >= 0),
    -- Who imports: the rows are written with their authority, as of when the job runs (the
    -- roles of the credential used, limited to what the user then holds).
    created_by     BIGINT NOT NULL REFERENCES users (id),
    roles          TEXT NOT NULL,
    api_key_id     BIGINT,
    request_id     TEXT,
    lease_owner    TEXT,
    lease_until    TIMESTAMP,
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX import_jobs_waiting ON import_jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX import_jobs_creator ON import_jobs (created_by, id);

-- The uploaded file, apart from the job so that reading a job's progress never loads it.
CREATE TABLE import_files (
    job_id  BIGINT PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    content TEXT NOT NULL
);

-- A row the job could not take: its number in the file (a CSV's header is row 1), the column
-- (null when the problem is the whole row's) and what is wrong.
CREATE TABLE import_errors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      BIGINT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_number  BIGINT NOT NULL,
    column_name TEXT,
    message     TEXT NOT NULL
);
CREATE INDEX import_errors_job ON import_errors (job_id, id);
