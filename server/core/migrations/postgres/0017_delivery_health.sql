-- Same as migrations/sqlite/0017_delivery_health.sql, in PostgreSQL types.
-- Issue 23, delivery health (server/core/src/delivery/).
-- The relay's recent answers, written by every instance's worker, so that
-- every instance computes the same state: one row.
CREATE TABLE delivery_health (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_sent_at BIGINT,
    last_failure_at BIGINT,
    last_failure_stage TEXT,
    last_failure_message TEXT,
    -- Attempts that failed since the last one that did not.
    failures_in_a_row BIGINT NOT NULL DEFAULT 0,
    -- The last check of an OAuth2 relay's token (any instance's).
    token_state TEXT CHECK (token_state IN ('ok', 'failing')),
    token_checked_at BIGINT,
    token_expires_at BIGINT,
    token_error TEXT
);
INSERT INTO delivery_health (id, failures_in_a_row) VALUES (1, 0);

-- Each change of state, once: `after_id` is the change it follows (0 for the
-- first), unique, so two instances that see the same change record it once.
-- `notified_at`: claimed by the instance that posts it to the alert webhook.
CREATE TABLE delivery_changes (
    id BIGSERIAL PRIMARY KEY,
    after_id BIGINT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('off', 'idle', 'ok', 'degraded', 'failing')),
    at BIGINT NOT NULL,
    stage TEXT,
    message TEXT,
    notified_at BIGINT
);

-- When an email was given up, for "failed in the last 24 hours".
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE status = 'failed';
