//! What the integration tests reach beneath the services: the claim and
//! the list with their query plans, the queue's rows, raw transactions for
//! the storage rule's own tests. Compiled only with the `test-support`
//! feature, which nothing but the server's dev-dependencies turns on, so a
//! release build has no way around the services (`cargo build` leaves it
//! off; `server/tests/it/architecture.rs` reads the rule from the source).

use crate::storage::{Db, Tx};
use sqlx::AnyPool;

pub mod outbox {
    pub use crate::outbox::storage::{
        cancel_link_emails_of, claim, claim_statement, enqueue, list, list_statement, mark_failed, mark_retry, mark_sent, release, settle, Claimed, NewEmail,
        Outcomes,
    };
}

pub mod identity {
    pub use crate::identity::page_statement;
}

/// The pools and transactions the services use, under names of their own
/// (the services' methods stay private to the core).
pub trait RawStorage {
    fn read_pool(&self) -> &AnyPool;
    fn write_pool(&self) -> &AnyPool;
    fn begin_tx(&self) -> impl std::future::Future<Output = Result<Tx, sqlx::Error>> + Send;
}

impl RawStorage for Db {
    fn read_pool(&self) -> &AnyPool {
        self.reads()
    }
    fn write_pool(&self) -> &AnyPool {
        self.writes()
    }
    fn begin_tx(&self) -> impl std::future::Future<Output = Result<Tx, sqlx::Error>> + Send {
        self.begin()
    }
}
