//! Delivery health for its readers: `GET /api/v1/delivery` and the console
//! (host roles, and account admins for their account's part), `/metrics`,
//! and the watch that records each change.

use super::state::{self, Facts};
use super::storage;
use super::Delivery;
use crate::auth::Caller;
use crate::error::Result;
use crate::storage::{now, Db};
use shared::api::ApiError;
use shared::delivery::{DeliveryHealth, DeliveryState};
use shared::Role;

/// "Failed in the last 24 hours".
const DAY: i64 = 24 * 3600;

/// The facts for the whole instance, read now (no transaction: each is one
/// statement, and a figure a moment older than the next does no harm).
pub(crate) async fn facts(db: &Db) -> Result<Facts> {
    let smtp = crate::smtp::storage::load(db.reads(), shared::smtp::RelayRole::Primary).await?;
    let answers = storage::answers(db.reads()).await?;
    let (waiting, oldest_waiting_since) = storage::waiting(db.reads(), None).await?;
    Ok(Facts {
        enabled: smtp.as_ref().is_some_and(|s| s.enabled),
        config_since: smtp.as_ref().map_or(0, |s| s.updated_at),
        last_sent_at: answers.last_sent_at,
        last_fallback_at: answers.last_fallback_at,
        last_failure: answers.last_failure,
        failures_in_a_row: answers.failures_in_a_row,
        waiting,
        oldest_waiting_since,
        // Only while the relay signs in with OAuth2 (a check from before a
        // switch to a password is of another configuration anyway).
        token: answers.token.filter(|_| smtp.as_ref().and_then(|s| s.config.auth.as_ref()).is_some_and(|a| a.oauth.is_some())),
    })
}

/// The state now, and since when: the last recorded change's time while it
/// is the state in force; otherwise the state has just changed, and the
/// watch records it within [`super::HealthSettings::watch_every`].
async fn state_and_since(delivery: &Delivery, facts: &Facts, at: i64) -> Result<(DeliveryState, i64)> {
    let state = state::compute(facts, &delivery.settings, at);
    let since = match storage::latest(delivery.db.reads()).await? {
        Some(latest) if latest.state == state => latest.at,
        _ => at,
    };
    Ok((state, since))
}

/// Delivery health as `caller` may see it: all of it for host roles; for an
/// account admin the state and their account's emails only (the relay's
/// words and the token are the host's business); 403 for account users.
pub async fn health(delivery: &Delivery, caller: &Caller) -> Result<DeliveryHealth> {
    if caller.user.role == Role::AccountUser {
        return Err(ApiError::forbidden().into());
    }
    let at = now();
    let facts = facts(&delivery.db).await?;
    let (state, since) = state_and_since(delivery, &facts, at).await?;
    let account = caller.sees().account();
    let (waiting, oldest) = match account {
        None => (facts.waiting, facts.oldest_waiting_since),
        Some(_) => storage::waiting(delivery.db.reads(), account).await?,
    };
    let failed_last_24h = storage::failed_since(delivery.db.reads(), at - DAY, account).await?;
    let host = account.is_none();
    Ok(DeliveryHealth {
        state,
        since,
        last_sent_at: facts.last_sent_at.filter(|_| host),
        last_failure: facts.last_failure.clone().filter(|_| host),
        waiting,
        oldest_waiting_seconds: oldest.map_or(0, |o| (at - o).max(0)),
        failed_last_24h,
        // A check made with another configuration says nothing of this one.
        token: facts.current_token().cloned().filter(|_| host),
    })
}

/// For `/metrics`: the state and how long the oldest email has waited, from
/// the database, so every instance reports the same.
pub(crate) async fn figures(delivery_settings: &super::HealthSettings, db: &Db) -> Result<(DeliveryState, i64)> {
    let at = now();
    let facts = facts(db).await?;
    Ok((state::compute(&facts, delivery_settings, at), facts.oldest_waiting_seconds(at)))
}

/// Records the state in force if it changed since the last recorded change
/// (by this instance or another); the change recorded, if this call did.
pub(crate) async fn observe(delivery: &Delivery) -> Result<Option<DeliveryState>> {
    let at = now();
    let facts = facts(&delivery.db).await?;
    let state = state::compute(&facts, &delivery.settings, at);
    // Another instance may record a change between the read and the write:
    // then its change is the one to follow, and this one is compared again.
    for _ in 0..3 {
        let latest = storage::latest(delivery.db.reads()).await?;
        if latest.as_ref().is_some_and(|l| l.state == state) {
            return Ok(None);
        }
        let cause = state::cause(&facts, state, at);
        let cause = cause.as_ref().map(|(stage, message)| (*stage, message.as_str()));
        if storage::record_change(delivery.db.writes(), latest.map_or(0, |l| l.id), state, at, cause).await? {
            tracing::info!(state = state.as_str(), "delivery state changed");
            return Ok(Some(state));
        }
    }
    Ok(None)
}
