-- Every admin action and every sign-in, for Host settings → Audit log and
-- GET /api/v1/audit. `actor_email` is kept as it was at the time (a user may
-- be renamed or removed later); never the value of a secret.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '',
    source TEXT
);
CREATE INDEX audit_log_actor ON audit_log (lower(actor_email), id);
CREATE INDEX audit_log_action ON audit_log (action, id);
