-- Tickets, their tags, links and comments, and time entries costed when written.
--
-- SLA clocks: first_response_due_at = created_at + the first-response target of the priority;
-- resolution_due_at = created_at + the resolution target + paused_micros (time spent with the
-- clock stopped: pending or resolved). clock_stopped_at is set while the resolution clock stands
-- still. See src/tickets/workflow.rs. Same version and meaning as migrations/postgres.

CREATE TABLE tickets (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    desk_id               BIGINT NOT NULL REFERENCES desks (id),
    number                BIGINT NOT NULL CHECK (number >= 1),
    reference             TEXT NOT NULL UNIQUE,
    subject               TEXT NOT NULL,
    description           TEXT NOT NULL,
    kind                  TEXT NOT NULL CHECK (kind IN ('inquiry', 'incident', 'request', 'task')),
    priority              TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    priority_rank         INTEGER NOT NULL CHECK (priority_rank BETWEEN 1 AND 4),
    status                TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed', 'cancelled')),
    requester_employee_id BIGINT REFERENCES employees (id),
    requester_name        TEXT,
    requester_email       TEXT,
    assignee_id           BIGINT REFERENCES employees (id),
    due_date              DATE,
    created_by            BIGINT REFERENCES users (id),
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    first_response_due_at TIMESTAMP NOT NULL,
    first_response_at     TIMESTAMP,
    resolution_due_at     TIMESTAMP NOT NULL,
    paused_micros         BIGINT NOT NULL DEFAULT 0 CHECK (paused_micros >= 0),
    clock_stopped_at      TIMESTAMP,
    resolved_at           TIMESTAMP,
    closed_at             TIMESTAMP,
    time_spent_minutes    BIGINT NOT NULL DEFAULT 0 CHECK (time_spent_minutes >= 0),
    version               BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    UNIQUE (desk_id, number),
    CHECK ((requester_employee_id IS NULL) <> (requester_name IS NULL))
);
CREATE INDEX tickets_desk_status ON tickets (desk_id, status, id);
-- A desk's tickets newest first with any other filter (bench/tickets.sh: breached on SQLite).
CREATE INDEX tickets_desk ON tickets (desk_id, id);
-- The desk report's backlog reads this index only.
CREATE INDEX tickets_backlog ON tickets (desk_id, assignee_id, status, created_at) WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
CREATE INDEX tickets_requester ON tickets (requester_employee_id, id);
CREATE INDEX tickets_updated_at ON tickets (updated_at, id);
CREATE INDEX tickets_created_at ON tickets (created_at, id);
CREATE INDEX tickets_priority ON tickets (priority_rank, id);
CREATE INDEX tickets_resolution_due ON tickets (resolution_due_at, id);
CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_first_response_at ON tickets (first_response_at) WHERE first_response_at IS NOT NULL;

CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 40),
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_links (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('duplicates', 'relates_to', 'blocks')),
    PRIMARY KEY (ticket_id, target_id),
    CHECK (ticket_id <> target_id)
);
CREATE INDEX ticket_links_target ON ticket_links (target_id);

CREATE TABLE ticket_comments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id          BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_user_id     BIGINT REFERENCES users (id),
    author_employee_id BIGINT REFERENCES employees (id),
    body               TEXT NOT NULL,
    internal           BOOLEAN NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

-- cost = minutes / 60 × the employee's hourly cost rate on work_date, half-up to the minor unit,
-- written once: a later rate change never rewrites it. department_id is the desk's owning
-- department when the entry was written: the budget the labour is charged to.
CREATE TABLE time_entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id        BIGINT NOT NULL REFERENCES tickets (id),
    desk_id          BIGINT NOT NULL REFERENCES desks (id),
    department_id    BIGINT NOT NULL REFERENCES departments (id),
    employee_id      BIGINT NOT NULL REFERENCES employees (id),
    work_date        DATE NOT NULL,
    minutes          INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    billable         BOOLEAN NOT NULL,
    note             TEXT,
    hourly_cost_rate BIGINT NOT NULL CHECK (hourly_cost_rate >= 0),
    cost             BIGINT NOT NULL CHECK (cost >= 0),
    cost_currency    TEXT NOT NULL CHECK (length(cost_currency) = 3),
    billing_rate     BIGINT CHECK (billing_rate >= 0),
    billing_currency TEXT CHECK (length(billing_currency) = 3),
    billable_amount  BIGINT CHECK (billable_amount >= 0),
    invoice_id       BIGINT,
    invoiced_at      TIMESTAMP,
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (billable = (billing_rate IS NOT NULL)),
    CHECK ((billing_rate IS NULL) = (billing_currency IS NULL) AND (billing_rate IS NULL) = (billable_amount IS NULL)),
    CHECK ((invoice_id IS NULL) = (invoiced_at IS NULL) AND (invoice_id IS NULL OR billable))
);
CREATE INDEX time_entries_ticket ON time_entries (ticket_id, id);
CREATE INDEX time_entries_employee ON time_entries (employee_id, work_date, id);
CREATE INDEX time_entries_desk ON time_entries (desk_id, work_date, id);
CREATE INDEX time_entries_department ON time_entries (department_id, work_date, id);
CREATE INDEX time_entries_updated_at ON time_entries (updated_at, id);
-- Lists run in (work_date, id) order, so a period of a desk, person or department is one range.
CREATE INDEX time_entries_work_date ON time_entries (work_date, id);

-- Text search on subject and description: an FTS5 trigram index kept by triggers (PostgreSQL
-- uses a pg_trgm index on the same lower-cased text).
CREATE VIRTUAL TABLE tickets_search USING fts5(text, tokenize = 'trigram');
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_search (rowid, text) VALUES (new.id, lower(new.subject || ' ' || new.description));
END;
CREATE TRIGGER tickets_search_update AFTER UPDATE OF subject, description ON tickets BEGIN
    DELETE FROM tickets_search WHERE rowid = old.id;
    INSERT INTO tickets_search (rowid, text) VALUES (new.id, lower(new.subject || ' ' || new.description));
END;
CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM tickets_search WHERE rowid = old.id;
END;
