-- Issue 24: how a Microsoft 365 configuration sends. 'smtp' is the relay
-- with AUTH XOAUTH2 (and every configuration without OAuth2); 'graph' is
-- Microsoft Graph's sendMail over HTTPS (src/smtp/graph.rs), for tenants
-- with SMTP AUTH off. Rows saved before this migration send as they did.
ALTER TABLE smtp_config ADD COLUMN transport TEXT NOT NULL DEFAULT 'smtp' CHECK (transport IN ('smtp', 'graph'));
