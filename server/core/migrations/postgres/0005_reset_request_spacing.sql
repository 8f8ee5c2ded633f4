-- When this user last asked for a password reset email ("Forgot password").
-- A request claims the slot with one conditional UPDATE of the user's row, so
-- 50 requests at once for one address queue one email, on either engine
-- (PostgreSQL re-checks the condition after waiting for the row's lock).
ALTER TABLE users ADD COLUMN reset_requested_at BIGINT;
