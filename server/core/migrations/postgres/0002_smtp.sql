-- Same as migrations/sqlite/0002_smtp.sql, in PostgreSQL's DDL.
CREATE TABLE smtp_config (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    host TEXT NOT NULL,
    port BIGINT NOT NULL,
    from_name TEXT NOT NULL,
    from_email TEXT NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('none', 'ssl', 'starttls')),
    auth BIGINT NOT NULL,
    username TEXT,
    password_sealed TEXT,
    enabled BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE smtp_audit (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
