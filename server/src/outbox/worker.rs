//! Delivers the outbox. Wakes at once when an email is queued (in-process
//! signal) and otherwise every few seconds (retries, and emails queued by
//! other instances). Claims emails with a lease, sends each through lettre
//! with the current SMTP configuration, and records the outcome: sent;
//! failed for good on a 5xx; otherwise retried later with a growing delay.

use super::storage::{self, Claimed};
use crate::state::AppState;
use crate::storage::now;
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncTransport, Message};
use std::time::Duration;
use tokio::sync::watch;

const POLL: Duration = Duration::from_secs(5);
const BATCH: i64 = 20;
/// Longer than a whole delivery may take, so a live worker's lease never runs out.
const LEASE_SECS: i64 = 180;
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
pub const MAX_ATTEMPTS: i64 = 8;

pub fn spawn(state: AppState, mut shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = drain(&state, &shutdown).await {
                tracing::warn!(error = %e.0, "outbox delivery round failed; retrying shortly");
            }
            tokio::select! {
                _ = state.outbox_wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    })
}

/// Delivers due emails until none is left or SMTP is off.
async fn drain(state: &AppState, shutdown: &watch::Receiver<bool>) -> crate::error::Result<()> {
    while !*shutdown.borrow() {
        let Some(relay) = crate::smtp::service::relay_for_delivery(state).await? else { return Ok(()) };
        let batch = storage::claim(&state.db.pool, BATCH, LEASE_SECS).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let transport = match relay.transport(&state.public_url.host(), SEND_TIMEOUT) {
            Ok(t) => t,
            Err(e) => {
                for email in &batch {
                    retry_or_fail(state, email, &format!("TLS set-up: {e}"), false).await?;
                }
                continue;
            }
        };
        for email in batch {
            let message = match build(&relay.from, &email) {
                Ok(m) => m,
                Err(why) => {
                    storage::mark_failed(&state.db.pool, email.id, &why).await?;
                    continue;
                }
            };
            match transport.send(message).await {
                Ok(_) => {
                    storage::mark_sent(&state.db.pool, email.id).await?;
                    tracing::info!(id = email.id, attempt = email.attempts, "email sent");
                }
                Err(e) => retry_or_fail(state, &email, &e.to_string(), e.is_permanent()).await?,
            }
        }
    }
    Ok(())
}

async fn retry_or_fail(state: &AppState, email: &Claimed, error: &str, permanent: bool) -> crate::error::Result<()> {
    if permanent || email.attempts >= MAX_ATTEMPTS {
        tracing::warn!(id = email.id, attempt = email.attempts, error, "email failed");
        storage::mark_failed(&state.db.pool, email.id, error).await
    } else {
        let at = now() + backoff_secs(email.attempts);
        tracing::info!(id = email.id, attempt = email.attempts, error, next_attempt_at = at, "email will be retried");
        storage::mark_retry(&state.db.pool, email.id, error, at).await
    }
}

/// 30 s after the first failure, then four times longer each time (capped at
/// 6 h), with ±20 % jitter so that retries from a relay outage do not all
/// arrive together: 8 attempts span about a day.
pub fn backoff_secs(attempts: i64) -> i64 {
    let base = (30i64 << (2 * (attempts.clamp(1, 10) - 1))).min(6 * 3600);
    let mut byte = [0u8; 1];
    let _ = getrandom::getrandom(&mut byte);
    let jitter = (byte[0] as i64 - 128) * base / 640; // about ±20 %
    (base + jitter).max(1)
}

fn build(from: &Mailbox, email: &Claimed) -> Result<Message, String> {
    let to: Address = email.to.parse().map_err(|e| format!("recipient address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.clone()))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
        .map_err(|e| format!("building the email: {e}"))
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_starts_within_30_seconds_and_grows_to_a_cap() {
        for _ in 0..100 {
            assert!((24..=36).contains(&backoff_secs(1)));
            assert!(backoff_secs(2) > 90);
            assert!(backoff_secs(8) <= 6 * 3600 * 12 / 10);
        }
        let total: i64 = (1..super::MAX_ATTEMPTS).map(backoff_secs).sum();
        assert!((12 * 3600..=36 * 3600).contains(&total), "{total}");
    }
}
