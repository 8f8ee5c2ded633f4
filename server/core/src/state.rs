//! What every request handler can reach: one `AppState`, cheap to clone.

use crate::passwords::PasswordHasher;
use crate::public_url::PublicUrl;
use crate::secret_key::SecretKey;
use crate::storage::Db;
use crate::tls_roots::ExtraRoots;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub public_url: PublicUrl,
    pub passwords: PasswordHasher,
    /// Seals secrets at rest (the SMTP relay password).
    pub secret_key: SecretKey,
    pub smtp: SmtpRuntime,
    pub emails: EmailSettings,
    /// Rung after an email is queued, so the outbox worker sends it at once.
    pub outbox_wake: tokio::sync::Notify,
}

/// How invitation and reset emails are written, and how long their links live.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The host's (organisation's) name, as emails say it.
    pub organisation: String,
    pub language: shared::Language,
    pub invite_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    /// Delay before the first retry of a failed delivery (then ×4 each time).
    pub retry_base_secs: i64,
    /// Attempts before an email is given up as failed.
    pub max_attempts: i64,
    /// How long a worker holds a claimed email; longer than one delivery takes.
    pub lease_secs: i64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            organisation: "Gatehouse".into(),
            language: shared::Language::En,
            invite_ttl_secs: 7 * 24 * 3600,
            reset_ttl_secs: 3600,
            retry_base_secs: 30,
            max_attempts: 8,
            lease_secs: 120,
        }
    }
}

/// What the SMTP capability keeps in memory: trusted extra roots and the test-send bound.
pub struct SmtpRuntime {
    pub extra_roots: ExtraRoots,
    pub test_bound: Duration,
}

impl SmtpRuntime {
    pub fn new(extra_roots: ExtraRoots, test_bound: Duration) -> Self {
        Self { extra_roots, test_bound }
    }
}

impl AppState {
    pub fn new(db: Db, public_url: PublicUrl, secret_key: SecretKey, smtp: SmtpRuntime, emails: EmailSettings) -> Self {
        Self(Arc::new(Inner { db, public_url, passwords: PasswordHasher::default(), secret_key, smtp, emails, outbox_wake: tokio::sync::Notify::new() }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
