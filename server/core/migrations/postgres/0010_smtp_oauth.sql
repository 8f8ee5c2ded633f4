-- Same as migrations/sqlite/0010_smtp_oauth.sql (the types are the same in PostgreSQL).
-- Microsoft 365 and Google Workspace relays sign in with OAuth2 (XOAUTH2):
-- the provider and whose token (tenant and client id, or the service
-- account's email). The secret (client secret, or service-account key) is
-- sealed in password_sealed, like a password.
ALTER TABLE smtp_config ADD COLUMN oauth_provider TEXT CHECK (oauth_provider IN ('microsoft365', 'google'));
ALTER TABLE smtp_config ADD COLUMN oauth_tenant TEXT;
ALTER TABLE smtp_config ADD COLUMN oauth_client TEXT;
