-- Issue 24: a fallback relay, which takes an email at once when the primary
-- (smtp_config) fails it for a reason of the relay's, until the primary has
-- rested. The primary's columns, sealed secret included, but no switch of
-- its own: it is in use while it is saved and SMTP is switched on.
CREATE TABLE smtp_fallback (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    from_name TEXT NOT NULL,
    from_email TEXT NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('none', 'ssl', 'starttls')),
    auth INTEGER NOT NULL,
    username TEXT,
    password_sealed TEXT,
    oauth_provider TEXT CHECK (oauth_provider IN ('microsoft365', 'google')),
    oauth_tenant TEXT,
    oauth_client TEXT,
    transport TEXT NOT NULL DEFAULT 'smtp' CHECK (transport IN ('smtp', 'graph')),
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

-- Which relay an SMTP history entry is about; every earlier one is the primary's.
ALTER TABLE smtp_audit ADD COLUMN relay TEXT NOT NULL DEFAULT 'primary' CHECK (relay IN ('primary', 'fallback'));

-- Which relay took a sent email (Email activity's "via"); unknown for those sent before.
ALTER TABLE outbox ADD COLUMN via TEXT CHECK (via IN ('primary', 'fallback'));

-- When the fallback relay last took an email: delivery health is degraded
-- while the fallback carries the email, even though it is delivered.
ALTER TABLE delivery_health ADD COLUMN last_fallback_at INTEGER;
