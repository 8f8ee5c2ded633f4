-- Same as migrations/sqlite/0006_session_idle_and_token_lifecycle.sql, in PostgreSQL types.
-- When each session was last used: one idle for longer than
-- GATEHOUSE_SESSION_IDLE_MINUTES ends, whatever its absolute lifetime.
-- Sessions from before count from their creation (most end: sign in again).
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;

-- API tokens: an optional expiry, and when each was last used (Host
-- settings → API tokens lists both). Revoking deletes the row.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
