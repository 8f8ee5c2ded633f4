//! The way the outbox's email goes out: the primary relay's [`Sender`],
//! and the fallback relay's when one is saved.
//!
//! An email goes to the primary first. When the primary fails it for a
//! reason of the relay's rather than the email's (`SendError::falls_back`:
//! unreachable, TLS, the token or sign-in, a 4xx, a Graph 5xx or 429), the
//! fallback gets the same email at once, and keeps the next ones while the
//! primary rests (`GATEHOUSE_FALLBACK_COOLDOWN_SECS`, at least as long as a
//! `Retry-After` the primary asked for). Then the primary is tried first
//! again, so a recovered primary takes over. A refusal of the email itself
//! (a 5xx for the recipient) is the email's outcome: another relay would
//! refuse it too.
//!
//! Each sender builds its own message from the relay-neutral [`Outgoing`]
//! (its From and envelope are its own: `Sender::message`), so an email the
//! fallback takes is the fallback's to send.

use super::sender::{SendError, Sender, SenderKey, Voice};
use crate::metrics::METRICS;
use lettre::message::MultiPart;
use lettre::{Address, Message};
use shared::smtp::RelayRole;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// One email, before a relay addresses it.
pub struct Outgoing {
    pub to: Address,
    /// The account it speaks for, if any: From and Reply-To are then the account's.
    pub voice: Option<Voice>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

/// Why an email did not go out.
pub enum Undelivered {
    /// It cannot be sent at all (a header lettre will not build): not the relay's doing.
    Unsendable(String),
    /// The relay (or the way to it) did not take it: the last relay's refusal.
    Refused(SendError),
}

/// What became of one email.
pub struct Delivery {
    /// The relay that took it, or why none did.
    pub outcome: Result<RelayRole, Undelivered>,
    /// The primary's refusal, when the fallback then took the email or
    /// refused it too: delivery health hears of the primary's trouble.
    pub passed_over: Option<SendError>,
}

/// What makes two routes the same for their open sessions: both relays' keys.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RouteKey {
    primary: SenderKey,
    fallback: Option<SenderKey>,
}

pub struct Route {
    primary: Sender,
    fallback: Option<Standby>,
}

/// The fallback relay, and how long the primary rests after failing.
struct Standby {
    sender: Sender,
    rest: Duration,
    resting: PrimaryRest,
}

/// Until when the primary relay rests after failing an email. One per
/// instance (in `Smtp`), so that one session's failure moves every session
/// to the fallback, and a rest outlasts the drain that began it (a route
/// lives for one drain). Tied to the primary's configuration: a new one is
/// tried at once.
#[derive(Clone, Default)]
pub struct PrimaryRest(Arc<Mutex<Option<(SenderKey, Instant)>>>);

impl PrimaryRest {
    fn is_resting(&self, primary: &SenderKey) -> bool {
        let mut rest = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &*rest {
            Some((key, until)) if key == primary && Instant::now() < *until => true,
            Some(_) => {
                *rest = None;
                false
            }
            None => false,
        }
    }

    fn begin(&self, primary: &SenderKey, rest: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((primary.clone(), Instant::now() + rest));
    }
}

impl Route {
    /// The primary alone, or with the fallback relay, which keeps the email
    /// for `rest` (in `resting`) after the primary fails one.
    pub(super) fn new(primary: Sender, fallback: Option<Sender>, rest: Duration, resting: PrimaryRest) -> Self {
        Self { primary, fallback: fallback.map(|sender| Standby { sender, rest, resting }) }
    }

    pub fn key(&self) -> RouteKey {
        RouteKey { primary: self.primary.key().clone(), fallback: self.fallback.as_ref().map(|f| f.sender.key().clone()) }
    }

    /// Hands over one email: to the primary, or to the fallback while the
    /// primary rests or when it has just failed for a relay's reason.
    pub async fn deliver(&mut self, email: &Outgoing) -> Delivery {
        let Some(standby) = &mut self.fallback else {
            return Delivery { outcome: attempt(&mut self.primary, RelayRole::Primary, email).await, passed_over: None };
        };
        let mut passed_over = None;
        if !standby.resting.is_resting(self.primary.key()) {
            match attempt(&mut self.primary, RelayRole::Primary, email).await {
                Err(Undelivered::Refused(e)) if e.falls_back() => {
                    let rest = standby.rest.max(e.retry_after.unwrap_or_default());
                    tracing::warn!(stage = ?e.stage, error = %e.message, rest_secs = rest.as_secs(), "the primary relay failed an email: the fallback relay takes it, and the next ones until the primary has rested");
                    standby.resting.begin(self.primary.key(), rest);
                    passed_over = Some(e);
                }
                done => return Delivery { outcome: done, passed_over: None },
            }
        }
        Delivery { outcome: attempt(&mut standby.sender, RelayRole::Fallback, email).await, passed_over }
    }

    /// Closes what is open on either relay.
    pub async fn close(self) {
        self.primary.close().await;
        if let Some(standby) = self.fallback {
            standby.sender.close().await;
        }
    }
}

/// The route to use now: `previous`, with its open sessions and the
/// primary's rest, while both relays are the same as `current`'s;
/// otherwise `current`, and `previous` is closed.
pub async fn in_force(previous: Option<Route>, current: Route) -> Route {
    match previous {
        Some(previous) if previous.key() == current.key() => previous,
        Some(previous) => {
            previous.close().await;
            current
        }
        None => current,
    }
}

/// One relay's try at one email, counted in `/metrics` under its role.
async fn attempt(sender: &mut Sender, role: RelayRole, email: &Outgoing) -> Result<RelayRole, Undelivered> {
    let message = build(sender, email).map_err(Undelivered::Unsendable)?;
    let started = Instant::now();
    let outcome = sender.send(&message).await;
    METRICS.observe_send(role, started.elapsed(), outcome.as_ref().map(|_| ()).map_err(|e| e.permanent));
    outcome.map(|()| role).map_err(Undelivered::Refused)
}

/// The email as `sender` addresses it (`Sender::message`): from the
/// account it speaks for, if any, else from the relay's From.
fn build(sender: &Sender, email: &Outgoing) -> Result<Message, String> {
    sender
        .message(email.voice.as_ref(), email.to.clone())
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.clone()))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
        .map_err(|e| format!("building the email: {e}"))
}
