-- Issue 19, the second security pass.
-- The audit log says which credential an action came with: `session`,
-- `token <id> (<name>)`, `link`, `sign-in`, `cli` or `gatehouse`.
ALTER TABLE audit_log ADD COLUMN via TEXT;

-- Sources that have signed in to an account: the per-account ceiling on
-- failed sign-ins slows every other source, never these (so a stranger's
-- guessing cannot hold the owner out from where they usually sign in).
CREATE TABLE sign_in_known_source (
    account TEXT NOT NULL,
    source TEXT NOT NULL,
    last_success_at INTEGER NOT NULL,
    PRIMARY KEY (account, source)
);
CREATE INDEX sign_in_known_source_quiet ON sign_in_known_source (last_success_at);

-- "Forgot password" emails sent to this user since `reset_requested_at`'s
-- day began: each next one waits twice as long as the last (5 min, 10, 20, …).
ALTER TABLE users ADD COLUMN reset_emails INTEGER NOT NULL DEFAULT 0;

-- The instance's anonymous reset emails, per hour (GATEHOUSE_RESET_EMAILS_PER_HOUR),
-- and how many were held back once the hour's were spent.
CREATE TABLE reset_email_budget (
    hour INTEGER PRIMARY KEY,
    sent INTEGER NOT NULL,
    held INTEGER NOT NULL
);
