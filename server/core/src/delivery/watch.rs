//! Each instance's watch: every [`super::HealthSettings::watch_every`] it
//! checks the OAuth2 relay's token when that is due (`token_check`), records
//! the state if it changed (`service::observe`), and posts the changes not
//! yet posted to the alert webhook, if one is set. With several
//! instances each records and posts; the database makes each change one row
//! and lets one instance claim it, so one message goes out per change.

use super::{service, storage, token_check, webhook, Delivery};
use crate::storage::now;
use shared::delivery::{DeliveryState, TokenState};
use std::time::Instant;
use tokio::sync::watch;

/// Changes older than this when first seen (the webhook was set later, or
/// every instance was down) are not posted: the news is stale.
const STALE_SECS: i64 = 3600;

/// Starts the watch, supervised (`crate::supervise`).
pub fn spawn(_operator: &crate::operator::Operator, delivery: Delivery, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    if let Some(hook) = &delivery.webhook {
        tracing::info!(host = %hook.host(), "delivery state changes are posted to the alert webhook");
    }
    crate::supervise::supervise("delivery_watch", shutdown.clone(), move || run(delivery.clone(), shutdown.clone()))
}

async fn run(delivery: Delivery, mut shutdown: watch::Receiver<bool>) {
    crate::storage::rule::scope(async move {
        // Due at once: the token is checked at start.
        let mut tokens = TokenSchedule { due: Instant::now(), config_since: None };
        loop {
            match round(&delivery, &mut tokens).await {
                Ok(()) => {}
                Err(e) if e.is_storage_fault() => {}
                Err(e) => tracing::warn!(error = %e.0, "delivery watch round failed; trying again later"),
            }
            tokio::select! {
                _ = tokio::time::sleep(delivery.settings.watch_every) => {}
                _ = shutdown.changed() => return,
            }
        }
    })
    .await
}

/// When the token is next due to be checked, and the configuration (its
/// `updated_at`) it was last checked with: a new one is checked at once.
struct TokenSchedule {
    due: Instant,
    config_since: Option<i64>,
}

async fn check_token_if_due(delivery: &Delivery, schedule: &mut TokenSchedule) -> crate::error::Result<()> {
    let config_since = crate::smtp::storage::load(delivery.db.reads(), shared::smtp::RelayRole::Primary).await?.map(|s| s.updated_at);
    if Instant::now() < schedule.due && config_since == schedule.config_since {
        return Ok(());
    }
    let state = token_check::check(delivery).await?;
    schedule.config_since = config_since;
    let settings = &delivery.settings;
    schedule.due = Instant::now() + if state == Some(TokenState::Failing) { settings.token_retry_every } else { settings.token_check_every };
    Ok(())
}

async fn round(delivery: &Delivery, tokens: &mut TokenSchedule) -> crate::error::Result<()> {
    check_token_if_due(delivery, tokens).await?;
    service::observe(delivery).await?;
    let Some(hook) = &delivery.webhook else { return Ok(()) };
    for change in storage::unposted(delivery.db.reads(), now() - STALE_SECS).await? {
        if !storage::claim(delivery.db.writes(), change.id, now()).await? {
            continue;
        }
        if !worth_posting(change.before, change.state) {
            continue;
        }
        let (waiting, _) = storage::waiting(delivery.db.reads(), None).await?;
        let body = webhook::message(&change, waiting, &delivery.public_url);
        if hook.post(&body, delivery.settings.webhook_retry_base).await {
            tracing::info!(state = change.state.as_str(), "delivery state change posted to the alert webhook");
        }
    }
    Ok(())
}

/// Every change is posted but one between `idle` and `ok`: both are healthy,
/// and a quiet instance would post one a day.
fn worth_posting(before: Option<DeliveryState>, after: DeliveryState) -> bool {
    use DeliveryState::{Idle, Ok};
    !matches!((before, after), (Some(Idle), Ok) | (Some(Ok), Idle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idle_and_ok_go_unposted() {
        assert!(!worth_posting(Some(DeliveryState::Idle), DeliveryState::Ok));
        assert!(!worth_posting(Some(DeliveryState::Ok), DeliveryState::Idle));
        assert!(worth_posting(Some(DeliveryState::Ok), DeliveryState::Degraded));
        assert!(worth_posting(Some(DeliveryState::Failing), DeliveryState::Ok));
        assert!(worth_posting(Some(DeliveryState::Off), DeliveryState::Idle));
    }
}
