//! "There is email to deliver": how a change (an email queued, SMTP switched
//! on) tells the outbox workers of every instance, without the capability
//! that made it depending on the outbox. The local worker also waits on an
//! in-process signal ([`Wake`]), which the caller rings after committing.

use crate::storage::Engine;
use std::sync::Arc;
use tokio::sync::Notify;

/// The in-process "there is email to deliver" signal: rung by whoever queued
/// an email or made one deliverable, waited on by this instance's worker.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn ring(&self) {
        self.0.notify_one();
    }

    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

/// PostgreSQL channel on which every instance's worker listens.
pub const CHANNEL: &str = "gatehouse_outbox";

/// Tells the workers of every instance, when the caller's transaction
/// commits (so never for a change that rolls back): a PostgreSQL NOTIFY.
/// Nothing to do on SQLite, which has one instance.
pub async fn at_commit(conn: &mut sqlx::AnyConnection, engine: Engine) -> Result<(), sqlx::Error> {
    if engine == Engine::Postgres {
        sqlx::query(&format!("SELECT pg_notify('{CHANNEL}', '')")).execute(&mut *conn).await?;
    }
    Ok(())
}
