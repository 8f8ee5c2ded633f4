-- The instance's SMTP relay configuration (one row, id = 1) and the audit log
-- of every save, enable, disable and test. The password is sealed with the
-- data dir's secret key (see src/smtp/seal.rs); it never appears in clear.
CREATE TABLE smtp_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    from_name TEXT NOT NULL,
    from_email TEXT NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('none', 'ssl', 'starttls')),
    auth INTEGER NOT NULL,
    username TEXT,
    password_sealed TEXT,
    enabled INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE smtp_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
