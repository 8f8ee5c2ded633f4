//! The composition root: one `AppState`, cheap to clone, that every transport
//! (REST routes, server functions, the worker) is handed. It holds each
//! capability's context; a service takes only its own (`&state.smtp`, say),
//! never the whole state, so what an operation can touch is in its signature.

use crate::auth::Auth;
use crate::backup::automatic::AutomaticSettings;
use crate::backup::Backups;
use crate::delivery::{Delivery, HealthSettings};
use crate::outbox::{EmailSettings, Outbox};
use crate::passwords::PasswordHasher;
use crate::public_url::PublicUrl;
use crate::secret_key::SecretKey;
use crate::smtp::{Smtp, SmtpRuntime};
use crate::storage::Db;
use crate::users::Users;
use crate::wake::Wake;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub public_url: PublicUrl,
    pub auth: Auth,
    pub users: Users,
    pub smtp: Smtp,
    pub outbox: Outbox,
    pub delivery: Delivery,
    pub backups: Backups,
}

impl AppState {
    #[allow(clippy::too_many_arguments)] // the composition root: each capability's settings
    pub fn new(
        db: Db,
        public_url: PublicUrl,
        secret_key: SecretKey,
        smtp: SmtpRuntime,
        emails: EmailSettings,
        health: HealthSettings,
        session_idle_secs: i64,
        automatic_backups: Option<AutomaticSettings>,
    ) -> Self {
        let passwords = PasswordHasher::default();
        let emails = Arc::new(emails);
        // One signal: whoever makes email deliverable rings this instance's worker.
        let wake = Wake::default();
        let smtp = Smtp::new(db.clone(), secret_key.clone(), smtp, public_url.host(), wake.clone());
        Self(Arc::new(Inner {
            auth: Auth::new(db.clone(), passwords.clone(), public_url.clone(), session_idle_secs),
            users: Users::new(db.clone(), passwords, public_url.clone(), emails.clone(), secret_key.clone(), wake.clone()),
            delivery: Delivery::new(db.clone(), health, public_url.clone(), smtp.clone()),
            backups: Backups::new(db.clone(), secret_key.clone(), automatic_backups),
            outbox: Outbox::new(db.clone(), emails, secret_key, wake, smtp.clone()),
            smtp,
            db,
            public_url,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
