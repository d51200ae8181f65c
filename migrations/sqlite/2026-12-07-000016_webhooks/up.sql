-- Webhooks (src/webhooks/): subscriptions of HTTPS endpoints to change-feed events, and the
-- delivery queue every node works from. A node leases a due delivery (lease_owner, lease_until)
-- before it sends it, so no two nodes send the same delivery at once; a node that dies
-- mid-delivery leaves a lease that runs out, and another node sends it again (at least once).
-- Same meaning as the other dialect.

CREATE TABLE webhook_subscriptions (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url                   TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description           TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- A JSON array of event types: "invoice.issued", "invoice.*" (every invoice event), "*".
    event_types           TEXT NOT NULL,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    -- Signing secrets: the receiver needs the same value to check a signature, so they are kept
    -- as they are (never shown after creation or rotation). After a rotation the previous one
    -- signs too until previous_secret_until.
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_secret_until TIMESTAMP,
    -- The change-feed position up to which events have been queued for this subscription.
    feed_seq              BIGINT NOT NULL,
    feed_id               BIGINT NOT NULL,
    -- Failed attempts in a row and since when; past both limits the subscription is disabled.
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    failing_since         TIMESTAMP,
    disabled_at           TIMESTAMP,
    disabled_reason       TEXT,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    version               BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner_user_id, id);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id  BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- The change-feed event (null for a ping) and its cursor, which receivers see as the id.
    event_id         BIGINT REFERENCES audit_events (id),
    event_cursor     TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    -- The body, fixed when queued: every attempt and a redelivery send the same bytes.
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    lease_owner      TEXT,
    lease_until      TIMESTAMP,
    last_status_code INTEGER,
    last_error       TEXT,
    last_duration_ms BIGINT,
    last_attempt_at  TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

-- Every attempt of a delivery: the delivery log.
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    node         TEXT NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    duration_ms  BIGINT NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retry', 'failed'))
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
