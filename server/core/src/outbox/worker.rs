//! Delivers the outbox. Wakes at once when there is email to deliver (an
//! in-process signal, and PostgreSQL NOTIFY from other instances), and
//! otherwise sleeps until the next retry or lease comes due. Claims emails
//! with a lease, hands each to the sender in force (`smtp::sender`, the one
//! way out), and records the outcome: sent; failed for good on a 5xx;
//! otherwise retried later with a growing delay, or later still when the
//! other side said how long to wait (Graph's `429 Retry-After`).

use super::storage::{self, Claimed, Outcomes};
use super::Outbox;
use crate::delivery::Recorder;
use crate::smtp::route::{self, Outgoing, Route, Undelivered};
use crate::smtp::sender::{SendError, Voice};
use crate::storage::now;
use lettre::Address;
use shared::smtp::RelayRole;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Emails claimed per statement, and recorded per commit (`drain_with`).
/// The claim was the costliest step per email (0.6 ms of 0.9 ms); one claim
/// per group took the drain from about 1,100 to 1,550 emails/s, and one
/// commit per group further (BENCHMARKS.md, "History of the drain rate").
const CLAIM: i64 = 16;

/// Emails a relay session may have taken before their "sent" commits: the
/// group being sent and the one before it (`drain_with`). A crash sends at
/// most this many again, per session.
pub const IN_FLIGHT: usize = 2 * CLAIM as usize;

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

/// Starts the worker: one delivery loop per relay session
/// (`GATEHOUSE_RELAY_SESSIONS`), each supervised (`crate::supervise`): a
/// panic in a round restarts it rather than leaving the queue undelivered
/// until a restart. The loops share nothing but the queue, whose claim never
/// gives two of them the same email. The handle ends when every loop has.
pub fn spawn(_operator: &crate::operator::Operator, outbox: Outbox, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    listen_for_other_instances(&outbox);
    let loops: Vec<_> = (0..outbox.emails.relay_sessions.max(1))
        .map(|_| {
            let (outbox, stop) = (outbox.clone(), shutdown.clone());
            crate::supervise::supervise("outbox_worker", shutdown.clone(), move || run(outbox.clone(), stop.clone()))
        })
        .collect();
    tokio::spawn(async move {
        for handle in loops {
            let _ = handle.await;
        }
    })
}

/// Delivers until shutdown.
async fn run(outbox: Outbox, mut shutdown: watch::Receiver<bool>) {
    crate::storage::rule::scope(async move {
        let mut wake = outbox.wake.waiter();
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
                _ = wake.rung() => {}
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
/// One route carries consecutive emails (an SMTP session on each relay);
/// it is closed when the queue is empty, and replaced when the
/// configuration changes.
async fn drain(outbox: &Outbox, shutdown: &watch::Receiver<bool>) -> crate::error::Result<()> {
    let mut route: Option<Route> = None;
    let result = drain_with(outbox, shutdown, &mut route).await;
    if let Some(r) = route {
        r.close().await;
    }
    result
}

/// A claimed group, and when it was claimed (its lease runs from then).
struct Group {
    emails: Vec<Claimed>,
    claimed_at: Instant,
}

impl Group {
    fn new(emails: Vec<Claimed>) -> Self {
        Self { emails, claimed_at: Instant::now() }
    }

    /// Back to the queue, untried: this claim's lease (one for the group) and the emails.
    fn unsent(self) -> Option<(i64, Vec<i64>)> {
        let first = self.emails.first()?;
        Some((first.lease_until, self.emails.iter().map(|e| e.id).collect()))
    }
}

/// The pipeline: while one group goes to the relay, the database records
/// what became of the group before it and claims the next, in one commit
/// (`storage::settle`). The relay's session never waits for a commit, and
/// a group costs one commit instead of one per email.
///
/// What this costs: an email the relay has taken is marked sent when its
/// group's outcomes commit, at the latest while the next group is sent. A
/// crash in between (kill -9) sends those again when their lease passes, so
/// at most [`IN_FLIGHT`] emails may arrive twice; nothing is
/// lost, and nothing is marked sent before the relay took it.
async fn drain_with(outbox: &Outbox, shutdown: &watch::Receiver<bool>, slot: &mut Option<Route>) -> crate::error::Result<()> {
    let claim = Some((outbox.emails.lease_secs, CLAIM));
    let mut health = Recorder::default();
    let mut done = Outcomes::default();
    let mut next = Group::new(Vec::new());
    loop {
        if next.emails.is_empty() {
            // Nothing claimed ahead: record what is done and claim, in one commit.
            next = Group::new(storage::settle(&outbox.db, &std::mem::take(&mut done), claim).await?);
            if next.emails.is_empty() {
                return Ok(());
            }
        }
        // Read the configuration before every group, so that a change or a
        // switch-off takes effect within one group of emails.
        let current = match crate::smtp::service::route_for_delivery(&outbox.relays).await? {
            Some(current) if !*shutdown.borrow() => current,
            _ => return finish(outbox, done, next).await,
        };
        // Once per group: every email of it goes out through this route.
        let in_force = route::in_force(slot.take(), current).await;
        let route = slot.insert(in_force);
        let group = std::mem::replace(&mut next, Group::new(Vec::new()));
        let (sent, claimed) = tokio::join!(
            // The relay's side touches no database (the storage rule: the other side holds a transaction).
            send_group(outbox, route, group, shutdown),
            storage::settle(&outbox.db, &done, claim),
        );
        let (outcomes, refusals) = sent;
        done = outcomes;
        let recorded = match claimed {
            Ok(claimed) => {
                next = Group::new(claimed);
                // Delivery health hears the relay's answers, outside any transaction.
                record_health(outbox, &mut health, &done, refusals).await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = recorded {
            // Worth one try: what the relay took is then not sent again.
            let _ = finish(outbox, done, next).await;
            return Err(e);
        }
    }
}

/// The end of a drain: records what is done, and gives back what was claimed ahead.
async fn finish(outbox: &Outbox, done: Outcomes, next: Group) -> crate::error::Result<()> {
    let mut last = done;
    last.unsent.extend(next.unsent());
    storage::settle(&outbox.db, &last, None).await?;
    Ok(())
}

async fn record_health(outbox: &Outbox, health: &mut Recorder, done: &Outcomes, refusals: Vec<SendError>) -> crate::error::Result<()> {
    for by_fallback in [false, true] {
        if done.sent.iter().any(|(_, via)| (*via == RelayRole::Fallback) == by_fallback) {
            health.sent(&outbox.db, by_fallback).await?;
        }
    }
    for e in refusals {
        health.failed(&outbox.db, e.stage, &e.message).await?;
    }
    Ok(())
}

/// Hands each email of `group` to the relay, one after another, and says
/// what became of each (and the relays' refusals, for delivery health).
/// An email is started only while at least half of its lease is left, so
/// no other instance takes it over while it is being sent.
async fn send_group(outbox: &Outbox, route: &mut Route, group: Group, shutdown: &watch::Receiver<bool>) -> (Outcomes, Vec<SendError>) {
    let deadline = group.claimed_at + Duration::from_secs(outbox.emails.lease_secs as u64 / 2);
    let mut outcomes = Outcomes::default();
    let mut refusals = Vec::new();
    let mut emails = group.emails.into_iter();
    while let Some(email) = emails.next() {
        if *shutdown.borrow() || Instant::now() > deadline {
            let unsent: Vec<i64> = std::iter::once(email.id).chain(emails.map(|e| e.id)).collect();
            outcomes.unsent.push((email.lease_until, unsent));
            break;
        }
        let outgoing = match outgoing(outbox, &email) {
            Ok(outgoing) => outgoing,
            Err(why) => {
                outcomes.failed.push((email.id, why));
                continue;
            }
        };
        let delivery = route.deliver(&outgoing).await;
        refusals.extend(delivery.passed_over);
        match delivery.outcome {
            Ok(via) => {
                tracing::debug!(id = email.id, attempt = email.attempts, via = via.as_str(), "email sent");
                outcomes.sent.push((email.id, via));
            }
            Err(Undelivered::Unsendable(why)) => outcomes.failed.push((email.id, why)),
            // The sender has closed its session: after an error its state is unknown.
            Err(Undelivered::Refused(e)) => {
                tracing::info!(id = email.id, attempt = email.attempts, stage = ?e.stage, permanent = e.permanent, "the relay did not take an email");
                retry_or_fail(outbox, &email, &e, &mut outcomes);
                refusals.push(e);
            }
        }
    }
    (outcomes, refusals)
}

/// The email to hand over, or why it cannot be sent at all (no content, a
/// bad address): not the relay's doing.
fn outgoing(outbox: &Outbox, email: &Claimed) -> Result<Outgoing, String> {
    let (text, html) = match email.body.open(&outbox.key) {
        Ok(Some(parts)) => parts,
        Ok(None) => return Err("nothing to send: its content was dropped".into()),
        Err(_) => return Err("its sealed content cannot be opened (was secret.key replaced?)".into()),
    };
    let to: Address = email.to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let voice = match &email.voice {
        Some((name, from, reply_to)) => Some(Voice::new(name, from, reply_to.as_deref())?),
        None => None,
    };
    Ok(Outgoing { to, voice, subject: email.subject.clone(), message_id: email.message_id.clone(), text, html })
}

fn retry_or_fail(outbox: &Outbox, email: &Claimed, e: &SendError, outcomes: &mut Outcomes) {
    let error = e.message.as_str();
    if e.permanent || email.attempts >= outbox.emails.max_attempts {
        tracing::warn!(id = email.id, attempt = email.attempts, error, "email failed");
        outcomes.failed.push((email.id, error.to_owned()));
    } else {
        let at = now() + retry_delay_secs(outbox.emails.retry_base_secs, email.attempts, e.retry_after);
        tracing::info!(id = email.id, attempt = email.attempts, error, next_attempt_at = at, "email will be retried");
        outcomes.retry.push((email.id, error.to_owned(), at));
    }
}

/// The backoff, or the wait the other side asked for when that is longer:
/// it is never asked again sooner than it said.
fn retry_delay_secs(base: i64, attempts: i64, retry_after: Option<Duration>) -> i64 {
    let asked = retry_after.map_or(0, |w| i64::try_from(w.as_secs()).unwrap_or(i64::MAX));
    backoff_secs(base, attempts).max(asked)
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

#[cfg(test)]
mod tests {
    use super::{backoff_secs, retry_delay_secs};
    use std::time::Duration;

    #[test]
    fn a_retry_after_longer_than_the_backoff_is_honoured() {
        assert_eq!(retry_delay_secs(1, 1, Some(Duration::from_secs(120))), 120);
        assert!(retry_delay_secs(30, 1, Some(Duration::from_secs(2))) >= 24, "never sooner than the backoff");
        assert!(retry_delay_secs(30, 1, None) <= 36);
    }

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
