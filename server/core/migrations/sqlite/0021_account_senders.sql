-- Issue 25, item 1: an account's own sender. Emails to an account's users
-- say they are from it (the header From, and Reply-To); they still go
-- through the host's relay, whose address stays the envelope's MAIL FROM.
-- NULL: the account has none, and its users' emails say the host's From.
ALTER TABLE accounts ADD COLUMN sender_name TEXT;
ALTER TABLE accounts ADD COLUMN sender_email TEXT;
ALTER TABLE accounts ADD COLUMN sender_reply_to TEXT;

-- Who an email says it is from, fixed when it is queued (as its subject and
-- body are); NULL: the relay's From in force when it goes out.
ALTER TABLE outbox ADD COLUMN from_name TEXT;
ALTER TABLE outbox ADD COLUMN from_email TEXT;
ALTER TABLE outbox ADD COLUMN reply_to TEXT;

-- The host's rules for account senders (src/users/sender_policy.rs): whether
-- account admins may set their own account's, and the domains a sender's
-- addresses may use (comma-separated; NULL: GATEHOUSE_ACCOUNT_SENDER_DOMAINS;
-- empty: any). Without a row: account admins may not, and the setting's domains.
CREATE TABLE account_sender_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    admins_may_set INTEGER NOT NULL DEFAULT 0,
    domains TEXT,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
