//! The mail outbox: emails are written here in the same transaction as the
//! invitation or reset they belong to, and a background worker delivers them
//! with the SMTP configuration in force at that moment. A request never
//! waits for a relay, and a crash loses nothing: an email is either in the
//! table or was never promised.

pub mod service;
pub mod session;
pub mod storage;
pub mod templates;
pub mod worker;

pub use storage::{enqueue, NewEmail};
