-- An email's body carries a live invitation or reset link, so it is sealed
-- with the instance key (`body` = 'sealed') and dropped (emptied, 'dropped')
-- once it is sent or its link has expired; 'plain' marks rows queued before
-- this migration, delivered as they are. `link_expires_at`: when the link in
-- the body dies. Delivery history (recipient, kind, state, attempts, last
-- error, times) stays until GATEHOUSE_EMAIL_RETENTION_DAYS have passed.
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT 'plain' CHECK (body IN ('plain', 'sealed', 'dropped'));
ALTER TABLE outbox ADD COLUMN link_expires_at INTEGER;
-- Bodies nothing will send again (their age unknown, their links possibly live): dropped now.
UPDATE outbox SET text_body = '', html_body = '', body = 'dropped' WHERE status IN ('sent', 'failed', 'cancelled');
CREATE INDEX outbox_created ON outbox (created_at);
