//! Housekeeping that no request does: sweeping what has expired, so that no
//! table grows without bound from traffic nobody follows up (anonymous
//! sign-in failures, abandoned sessions), no email body outlives its link,
//! and delivery history is kept only for its retention. Runs at start and
//! then every [`EVERY`]; each sweep is one statement per table, so it never
//! holds up requests for long.

use crate::storage::Db;
use std::time::Duration;
use tokio::sync::watch;

pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// One round; what was removed, for the log.
pub(crate) async fn sweep(db: &Db, email_retention_secs: i64) -> crate::error::Result<Swept> {
    let (email_bodies, emails) = crate::outbox::storage::sweep(db.writes(), email_retention_secs).await?;
    Ok(Swept {
        audit_entries: crate::audit::sweep(db, AUDIT_RETENTION_SECS).await?,
        throttle_counters: crate::auth::throttle::sweep(db).await? + crate::users::resets::sweep_budget(db).await?,
        sessions: crate::auth::storage::sweep_sessions(db).await?,
        links: crate::users::links::sweep(db).await?,
        email_bodies,
        emails,
        delivery_changes: crate::delivery::storage::sweep(db.writes(), crate::storage::now() - AUDIT_RETENTION_SECS).await?,
    })
}

/// How long the audit log (and the SMTP page's history) keeps an entry: a year, the span reviews and
/// investigations usually look back over, and a bound on its growth.
pub const AUDIT_RETENTION_SECS: i64 = 365 * 24 * 3600;

#[derive(Debug, Default)]
pub struct Swept {
    pub audit_entries: u64,
    pub throttle_counters: u64,
    pub sessions: u64,
    /// Invitation and reset links a month past their expiry.
    pub links: u64,
    /// Bodies dropped because their link expired.
    pub email_bodies: u64,
    /// Finished emails past their retention, deleted.
    pub emails: u64,
    /// Changes of delivery state older than a year (the one in force stays).
    pub delivery_changes: u64,
}

/// Sweeps at start and then every [`EVERY`], supervised (`crate::supervise`).
pub fn spawn(_operator: &crate::operator::Operator, db: Db, email_retention_secs: i64, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    crate::supervise::supervise("maintenance", shutdown.clone(), move || run(db.clone(), email_retention_secs, shutdown.clone()))
}

async fn run(db: Db, email_retention_secs: i64, mut shutdown: watch::Receiver<bool>) {
    crate::storage::rule::scope(async move {
        loop {
            match sweep(&db, email_retention_secs).await {
                Ok(swept) => tracing::debug!(?swept, "maintenance sweep"),
                Err(e) if e.is_storage_fault() => {}
                Err(e) => tracing::warn!(error = %e.0, "maintenance sweep failed; trying again later"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = shutdown.changed() => return,
            }
        }
    })
    .await
}
