//! "There is email to deliver": how a change (an email queued, SMTP switched
//! on) tells the outbox workers of every instance, without the capability
//! that made it depending on the outbox. The local worker also waits on an
//! in-process signal ([`Wake`]), which the caller rings after committing.

use crate::storage::Engine;
use tokio::sync::watch;

/// The in-process "there is email to deliver" signal: rung by whoever queued
/// an email or made one deliverable, waited on by each of this instance's
/// worker loops (one per relay session) through its own [`Waiter`].
#[derive(Clone)]
pub struct Wake(watch::Sender<u64>);

impl Default for Wake {
    fn default() -> Self {
        Self(watch::Sender::new(0))
    }
}

impl Wake {
    pub fn ring(&self) {
        self.0.send_modify(|rings| *rings = rings.wrapping_add(1));
    }

    /// A worker loop's own ear for the signal.
    pub fn waiter(&self) -> Waiter {
        Waiter(self.0.subscribe())
    }
}

/// One loop's view of the signal: a ring while the loop was busy is still
/// heard when it next waits (once, however many rang), and every loop hears
/// every ring.
pub struct Waiter(watch::Receiver<u64>);

impl Waiter {
    pub async fn rung(&mut self) {
        // The sender lives in the capabilities' contexts, as long as the process.
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
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
