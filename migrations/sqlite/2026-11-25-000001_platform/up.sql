-- Platform: settings, users, sessions (refresh tokens), API keys, audit events, idempotency and
-- throttling state. Same version and meaning as migrations/postgres.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name               TEXT NOT NULL,
    password_hash      TEXT NOT NULL,
    roles              TEXT NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    tokens_valid_after TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX users_updated_at ON users (updated_at, id);

CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL UNIQUE,
    roles        TEXT NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX api_keys_user ON api_keys (user_id, id);

-- tx_seq orders the change feed on PostgreSQL (the writing transaction's id); SQLite has one writer
-- at a time, so ids already commit in order and tx_seq stays 0.
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_seq        BIGINT NOT NULL DEFAULT 0,
    occurred_at   TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     BIGINT NOT NULL,
    changes       TEXT NOT NULL,
    request_id    TEXT
);
CREATE INDEX audit_events_feed ON audit_events (tx_seq, id);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, id);
CREATE INDEX audit_events_time ON audit_events (occurred_at, id);

CREATE TABLE idempotency_keys (
    principal        TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BLOB,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE throttle_counters (
    bucket       TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    hits         BIGINT NOT NULL
);
