-- Sign-in throttling by source address and account, with growing delays
-- instead of a lock: one row per (source, account) pair, and one per source
-- alone (account ''), so a stranger's failures never slow down the account's
-- owner signing in from elsewhere. Rows are counters, not one per attempt,
-- and a periodic sweep removes those that have gone quiet.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_throttle (
    source TEXT NOT NULL,
    account TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    PRIMARY KEY (source, account)
);
CREATE INDEX sign_in_throttle_account ON sign_in_throttle (account);
CREATE INDEX sign_in_throttle_quiet ON sign_in_throttle (last_failure_at);
