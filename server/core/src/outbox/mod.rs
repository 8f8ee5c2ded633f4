//! The mail outbox: emails are written here in the same transaction as the
//! invitation or reset they belong to, and a background worker delivers them
//! with the SMTP configuration in force at that moment. A request never
//! waits for a relay, and a crash loses nothing: an email is either in the
//! table or was never promised.

pub mod service;
mod settings;
pub(crate) mod storage;
pub mod templates;
pub mod worker;

pub use settings::EmailSettings;
pub(crate) use storage::{enqueue, NewEmail};

use crate::secret_key::SecretKey;
use crate::smtp::Smtp;
use crate::storage::Db;
use crate::wake::Wake;
use std::sync::Arc;

/// What the outbox's operations and its worker need: the database, the
/// delivery settings, the key that opens sealed bodies, the wake-up signal,
/// and the SMTP capability as the provider of the sender in force.
#[derive(Clone)]
pub struct Outbox {
    pub(crate) db: Db,
    pub(crate) emails: Arc<EmailSettings>,
    /// Opens the queued emails' sealed bodies.
    pub(crate) key: SecretKey,
    pub(crate) wake: Wake,
    pub(crate) relays: Smtp,
}

impl Outbox {
    pub fn new(db: Db, emails: Arc<EmailSettings>, key: SecretKey, wake: Wake, relays: Smtp) -> Self {
        Self { db, emails, key, wake, relays }
    }
}
