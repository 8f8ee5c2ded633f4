-- Issue 25: what an invitation page can say about its link, and the host's name.
-- Who made each link (the inviter's address at that moment; NULL for a
-- "forgot password" link and for links made before this migration), and what
-- ended it: a link is no longer deleted when it is used, replaced or revoked,
-- but marked, so that its page can say which (src/users/links.rs). The
-- maintenance sweep deletes links a month after they expire.
ALTER TABLE user_links ADD COLUMN issued_by TEXT;
ALTER TABLE user_links ADD COLUMN ended TEXT CHECK (ended IN ('used', 'replaced', 'revoked'));
ALTER TABLE user_links ADD COLUMN ended_at INTEGER;
CREATE INDEX user_links_expiry ON user_links (expires_at);

-- The host's name as host admins set it in the console (src/users/host_name.rs);
-- without a row, GATEHOUSE_ORGANISATION. One row at most.
CREATE TABLE host_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
