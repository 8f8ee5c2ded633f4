//! What every request handler can reach: one `AppState`, cheap to clone.

use crate::auth::password::PasswordHasher;
use crate::configuration::PublicUrl;
use crate::secret_key::SecretKey;
use crate::smtp::SmtpRuntime;
use crate::storage::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub public_url: PublicUrl,
    pub passwords: PasswordHasher,
    /// Seals secrets at rest (the SMTP relay password).
    pub secret_key: SecretKey,
    pub smtp: SmtpRuntime,
}

impl AppState {
    pub fn new(db: Db, public_url: PublicUrl, secret_key: SecretKey, smtp: SmtpRuntime) -> Self {
        Self(Arc::new(Inner { db, public_url, passwords: PasswordHasher::default(), secret_key, smtp }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
