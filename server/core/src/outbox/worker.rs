//! Delivers the outbox. Wakes at once when there is email to deliver (an
//! in-process signal, and PostgreSQL NOTIFY from other instances), and
//! otherwise sleeps until the next retry or lease comes due. Claims emails
//! with a lease, hands each to the sender in force (`smtp::sender`, the one
//! way out), and records the outcome: sent; failed for good on a 5xx;
//! otherwise retried later with a growing delay.

use super::storage::{self, Claimed};
use super::Outbox;
use crate::delivery::Recorder;
use crate::smtp::sender::{self, Sender};
use crate::storage::now;
use lettre::message::MultiPart;
use lettre::{Address, Message};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Emails claimed per statement. The claim was the costliest step per email
/// (0.6 ms of 0.9 ms); one claim per group took the drain from about 1,100
/// to 1,550 emails/s (BENCHMARKS.md). Each email is still marked sent alone.
const CLAIM: i64 = 16;

/// PostgreSQL: emails queued by any instance wake this one at once (LISTEN/NOTIFY).
fn listen_for_other_instances(outbox: &Outbox) {
    let Some(url) = outbox.db.listen_url.clone() else { return };
    let outbox = outbox.clone();
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if listener.listen(crate::wake::CHANNEL).await.is_ok() {
                        while listener.recv().await.is_ok() {
                            outbox.wake.ring();
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for queued emails; other instances' emails wait for this worker's next wake-up (60 s at most)")
                }
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}

/// Starts the worker, supervised (`crate::supervise`): a panic in a round
/// restarts it rather than leaving the queue undelivered until a restart.
pub fn spawn(_operator: &crate::operator::Operator, outbox: Outbox, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    listen_for_other_instances(&outbox);
    crate::supervise::supervise("outbox_worker", shutdown.clone(), move || run(outbox.clone(), shutdown.clone()))
}

/// Delivers until shutdown.
async fn run(outbox: Outbox, mut shutdown: watch::Receiver<bool>) {
    crate::storage::rule::scope(async move {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match drain(&outbox, &shutdown).await {
                Ok(()) => until_next_due(&outbox).await,
                Err(e) if e.is_storage_fault() => AFTER_ERROR,
                Err(e) => {
                    tracing::warn!(error = %e.0, "outbox delivery round failed; retrying shortly");
                    AFTER_ERROR
                }
            };
            tokio::select! {
                _ = outbox.wake.rung() => {}
                _ = tokio::time::sleep(pause) => {}
                // A dropped sender is a shutdown too (its owner is gone).
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
    })
    .await
}

/// Sleep after a failed round (the database was unreachable, say).
const AFTER_ERROR: Duration = Duration::from_secs(5);
/// The longest sleep. Everything that makes email deliverable wakes the
/// worker at once: queueing, Retry, switching SMTP on, here or (PostgreSQL
/// NOTIFY) on another instance. This bound only matters if a wake-up was
/// missed, e.g. while the LISTEN connection was down.
const LONGEST_SLEEP: Duration = Duration::from_secs(60);

/// How long the worker may sleep after draining: until the next retry or
/// lease comes due, at most [`LONGEST_SLEEP`]. While SMTP is off nothing is
/// claimable, and switching it on wakes the worker.
async fn until_next_due(outbox: &Outbox) -> Duration {
    match crate::smtp::service::is_enabled(outbox.db.reads()).await {
        Ok(false) => return LONGEST_SLEEP,
        Ok(true) => {}
        Err(_) => return AFTER_ERROR,
    }
    match storage::next_due(outbox.db.reads()).await {
        // Times are whole seconds and `now` rounds down, so this wakes at or just after the due time.
        Ok(Some(at)) => Duration::from_secs(at.saturating_sub(now()).max(0) as u64).min(LONGEST_SLEEP),
        Ok(None) => LONGEST_SLEEP,
        Err(_) => AFTER_ERROR,
    }
}

/// Delivers due emails until none is left, SMTP is off, or we are stopping.
/// One sender carries consecutive emails (an SMTP session); it is closed
/// when the queue is empty, and replaced when the configuration changes.
async fn drain(outbox: &Outbox, shutdown: &watch::Receiver<bool>) -> crate::error::Result<()> {
    let mut sender: Option<Sender> = None;
    let result = drain_with(outbox, shutdown, &mut sender).await;
    if let Some(s) = sender {
        s.close().await;
    }
    result
}

async fn drain_with(outbox: &Outbox, shutdown: &watch::Receiver<bool>, slot: &mut Option<Sender>) -> crate::error::Result<()> {
    let lease = outbox.emails.lease_secs;
    let mut health = Recorder::default();
    loop {
        // Read the configuration before every claim, so that a change or a
        // switch-off takes effect within one group of emails.
        let Some(current) = crate::smtp::service::sender_for_delivery(&outbox.relays).await? else { return Ok(()) };
        // Once per group: every email of it goes out through this sender.
        let in_force = sender::in_force(slot.take(), current).await;
        let sender = slot.insert(in_force);
        let claimed = storage::claim(outbox.db.writes(), outbox.db.engine, lease, CLAIM).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        // An email is started only while at least half of its lease is left,
        // so no other instance takes it over while it is being sent.
        let deadline = Instant::now() + Duration::from_secs(lease as u64 / 2);
        let mut emails = claimed.into_iter();
        while let Some(email) = emails.next() {
            if *shutdown.borrow() || Instant::now() > deadline {
                let unsent: Vec<i64> = std::iter::once(email.id).chain(emails.map(|e| e.id)).collect();
                storage::release(outbox.db.writes(), email.lease_until, &unsent).await?;
                break;
            }
            deliver(outbox, sender, &mut health, &email).await?;
        }
        if *shutdown.borrow() {
            return Ok(());
        }
    }
}

/// One attempt at one email, and its outcome recorded at once: a delivered
/// email is marked sent before the next one goes out. The relay's answer
/// goes to delivery health too (an email that cannot be built is not the
/// relay's doing, and does not).
async fn deliver(outbox: &Outbox, sender: &mut Sender, health: &mut Recorder, email: &Claimed) -> crate::error::Result<()> {
    let (text, html) = match email.body.open(&outbox.key) {
        Ok(Some(parts)) => parts,
        Ok(None) => return storage::mark_failed(outbox.db.writes(), email.id, "nothing to send: its content was dropped").await,
        Err(_) => return storage::mark_failed(outbox.db.writes(), email.id, "its sealed content cannot be opened (was secret.key replaced?)").await,
    };
    let message = match build(sender, email, text, html) {
        Ok(m) => m,
        Err(why) => return storage::mark_failed(outbox.db.writes(), email.id, &why).await,
    };
    let started = Instant::now();
    let outcome = sender.send(&message).await;
    crate::metrics::METRICS.observe_send(started.elapsed(), outcome.as_ref().map(|_| ()).map_err(|e| e.permanent));
    match outcome {
        Ok(()) => {
            tracing::debug!(id = email.id, attempt = email.attempts, "email sent");
            storage::mark_sent(outbox.db.writes(), email.id).await?;
            health.sent(&outbox.db).await
        }
        // The sender has closed its session: after an error its state is unknown.
        Err(e) => {
            tracing::info!(id = email.id, attempt = email.attempts, stage = ?e.stage, permanent = e.permanent, "the relay did not take an email");
            retry_or_fail(outbox, email, &e.message, e.permanent).await?;
            health.failed(&outbox.db, e.stage, &e.message).await
        }
    }
}

async fn retry_or_fail(outbox: &Outbox, email: &Claimed, error: &str, permanent: bool) -> crate::error::Result<()> {
    if permanent || email.attempts >= outbox.emails.max_attempts {
        tracing::warn!(id = email.id, attempt = email.attempts, error, "email failed");
        storage::mark_failed(outbox.db.writes(), email.id, error).await
    } else {
        let at = now() + backoff_secs(outbox.emails.retry_base_secs, email.attempts);
        tracing::info!(id = email.id, attempt = email.attempts, error, next_attempt_at = at, "email will be retried");
        storage::mark_retry(outbox.db.writes(), email.id, error, at).await
    }
}

/// `base` (30 s) after the first failure, then four times longer each time
/// (capped at 6 h), with ±20 % jitter so that retries after a relay outage do
/// not all arrive together: 8 attempts span about a day.
pub fn backoff_secs(base: i64, attempts: i64) -> i64 {
    let delay = (base << (2 * (attempts.clamp(1, 10) - 1))).min(6 * 3600);
    let mut byte = [0u8; 1];
    let _ = getrandom::getrandom(&mut byte);
    let jitter = (byte[0] as i64 - 128) * delay / 640; // about ±20 %
    (delay + jitter).max(1)
}

/// The email as the sender addresses it (`Sender::message`): from the
/// account it speaks for, if any, else from the relay's From.
fn build(sender: &Sender, email: &Claimed, text: String, html: String) -> Result<Message, String> {
    let to: Address = email.to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let voice = match &email.voice {
        Some((name, from, reply_to)) => Some(sender::Voice::new(name, from, reply_to.as_deref())?),
        None => None,
    };
    sender
        .message(voice.as_ref(), to)
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.clone()))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("building the email: {e}"))
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_starts_within_30_seconds_and_grows_to_a_cap() {
        for _ in 0..100 {
            assert!((24..=36).contains(&backoff_secs(30, 1)));
            assert!(backoff_secs(30, 2) > 90);
            assert!(backoff_secs(30, 8) <= 6 * 3600 * 12 / 10);
        }
        let total: i64 = (1..8).map(|n| backoff_secs(30, n)).sum();
        assert!((12 * 3600..=36 * 3600).contains(&total), "{total}");
    }
}
