-- Same as migrations/sqlite/0021_account_senders.sql, in PostgreSQL types.
ALTER TABLE accounts ADD COLUMN sender_name TEXT;
ALTER TABLE accounts ADD COLUMN sender_email TEXT;
ALTER TABLE accounts ADD COLUMN sender_reply_to TEXT;

ALTER TABLE outbox ADD COLUMN from_name TEXT;
ALTER TABLE outbox ADD COLUMN from_email TEXT;
ALTER TABLE outbox ADD COLUMN reply_to TEXT;

CREATE TABLE account_sender_policy (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    admins_may_set BIGINT NOT NULL DEFAULT 0,
    domains TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
