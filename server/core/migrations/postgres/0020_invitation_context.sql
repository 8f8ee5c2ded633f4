-- Same as migrations/sqlite/0020_invitation_context.sql, in PostgreSQL types.
ALTER TABLE user_links ADD COLUMN issued_by TEXT;
ALTER TABLE user_links ADD COLUMN ended TEXT CHECK (ended IN ('used', 'replaced', 'revoked'));
ALTER TABLE user_links ADD COLUMN ended_at BIGINT;
CREATE INDEX user_links_expiry ON user_links (expires_at);

CREATE TABLE host_profile (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
