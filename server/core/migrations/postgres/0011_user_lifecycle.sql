-- Same as migrations/sqlite/0011_user_lifecycle.sql, in PostgreSQL types.
-- A disabled user cannot sign in, and their sessions and API tokens are
-- refused at once; enabling them again restores both.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
CREATE INDEX users_account ON users (account_id);
