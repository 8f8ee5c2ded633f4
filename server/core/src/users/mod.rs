//! Users and accounts: who exists on the instance, in which role and account.

pub(crate) mod host_name;
pub mod invitations;
pub(crate) mod links;
pub(crate) mod mailing;
pub mod resets;
pub(crate) mod sender_policy;
pub mod service;

use crate::outbox::EmailSettings;
use crate::passwords::PasswordHasher;
use crate::public_url::PublicUrl;
use crate::secret_key::SecretKey;
use crate::storage::Db;
use crate::wake::Wake;
use std::sync::Arc;

/// What the user operations need: the database, the password hasher, the
/// public URL that links are made from, how emails are written, the key
/// that seals them in the outbox, and the signal that wakes the outbox
/// worker when one is queued.
#[derive(Clone)]
pub struct Users {
    pub(crate) db: Db,
    pub(crate) passwords: PasswordHasher,
    pub(crate) public_url: PublicUrl,
    pub(crate) emails: Arc<EmailSettings>,
    /// Seals the queued emails' bodies (they carry live links).
    pub(crate) key: SecretKey,
    pub(crate) wake: Wake,
    /// "Forgot password" requests being worked on, off their request's path.
    pub(crate) reset_work: Arc<tokio::sync::Semaphore>,
}

/// "Forgot password" requests worked on at once; beyond, one is dropped
/// (and counted): a flood of them queues no work.
pub const RESET_WORKERS: usize = 16;

/// A disabled user's link is refused, whatever it was made for.
fn disabled() -> crate::error::Failure {
    crate::error::Failure::new(shared::ErrorCode::Disabled, "this user is disabled; ask an admin to enable it again")
}

impl Users {
    pub fn new(db: Db, passwords: PasswordHasher, public_url: PublicUrl, emails: Arc<EmailSettings>, key: SecretKey, wake: Wake) -> Self {
        Self { db, passwords, public_url, emails, key, wake, reset_work: Arc::new(tokio::sync::Semaphore::new(RESET_WORKERS)) }
    }
}
