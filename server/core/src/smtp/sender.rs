//! The sending seam: a [`Sender`] is the one thing that hands an email to
//! the outside world. The outbox worker delivers through it and "Send test
//! email" tests through it; neither knows what is behind it.
//!
//! Behind it: an SMTP relay, signing in with a password or an OAuth2
//! token (`Sender::Smtp`: `session`, over `connect`), or Microsoft Graph's
//! sendMail, an HTTPS request with the same OAuth2 token source
//! (`Sender::Graph`: `graph`). [`Sender::new`] picks the one a
//! configuration asks for. Delivery goes through a `route::Route`: the
//! primary's sender, and the fallback relay's when one is saved.

use super::connect::OpenError;
use super::graph::GraphSender;
use super::oauth::TokenSource;
use super::quote::quote;
use super::relay::{from_mailbox, Relay, RelayAuth, RelayError};
use super::session::RelaySender;
use super::Smtp;
use lettre::address::Envelope;
use lettre::message::{Mailbox, MessageBuilder};
use lettre::{Address, Message};
use sha2::{Digest, Sha256};
use shared::smtp::{PasswordChange, SmtpConfig, TestReport, TestStage};
use shared::EmailAddress;
use std::fmt;
use std::time::Duration;

// One sender lives per worker or test send, never in a collection: the
// variants' sizes (the relay's TLS parameters) cost nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Sender {
    /// An SMTP relay; one session carries consecutive emails.
    Smtp(RelaySender),
    /// Microsoft Graph's sendMail: one HTTPS request per email.
    Graph(GraphSender),
}

/// What makes two senders the same for an open session: the whole
/// configuration (where, how, from whom, as whom) and the identity of its
/// secret. Any change opens a new session; an unchanged save does not.
#[derive(Clone, PartialEq, Eq)]
pub struct SenderKey {
    config: SmtpConfig,
    /// SHA-256 of the secret, so a new password with the rest unchanged still counts.
    secret: Option<[u8; 32]>,
}

impl fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderKey").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Why a delivery or a test failed.
#[derive(Debug)]
pub struct SendError {
    /// The step that failed, when it is known (lettre's one-call send of an
    /// email does MAIL, RCPT and DATA together and does not say which).
    pub stage: Option<TestStage>,
    /// What went wrong, the relay's words quoted: an email's stored last
    /// error, a test report's message.
    pub message: String,
    /// The relay's own reply, quoted, when it answered with a 4xx or 5xx.
    pub reply: Option<String>,
    /// A 5xx (or Graph's 4xx but 401, 408, 429): the same email will be
    /// refused again, so it is not retried.
    pub permanent: bool,
    /// How long the other side asked us to wait (Graph's `429 Retry-After`):
    /// the worker retries no sooner.
    pub retry_after: Option<Duration>,
    /// Graph refused us as a sender (401, 403, 404: the token, the app's
    /// permission, the mailbox), not this email.
    pub sender_refused: bool,
}

impl SendError {
    /// Worth trying again later (a timeout, no token yet), with nothing from the relay.
    pub fn transient(message: impl Into<String>) -> Self {
        Self { stage: None, message: message.into(), reply: None, permanent: false, retry_after: None, sender_refused: false }
    }

    /// Whether another relay may take what this one did not: anything worth
    /// retrying, and a refusal of us rather than of the email (reaching the
    /// relay, TLS, the token, the sign-in, Graph refusing the mailbox). A 5xx
    /// for the recipient or the message itself would be refused by any relay,
    /// so it is not passed on.
    pub fn falls_back(&self) -> bool {
        !self.permanent || self.sender_refused || matches!(self.stage, Some(TestStage::Connect | TestStage::Tls | TestStage::Token | TestStage::Auth))
    }

    /// Refused at `stage` for a reason of our own (no SMTPUTF8, a bad recipient address).
    pub(super) fn at(stage: TestStage, message: impl Into<String>) -> Self {
        Self { stage: Some(stage), ..Self::transient(message) }
    }

    /// The relay answered `stage` with an error: `what`, and its words quoted.
    pub(super) fn relay(stage: TestStage, what: &str) -> impl Fn(lettre::transport::smtp::Error) -> Self + '_ {
        move |e| Self { stage: Some(stage), message: format!("{what}: {}", quote(&e.to_string())), ..Self::from(e) }
    }
}

impl From<lettre::transport::smtp::Error> for SendError {
    /// The relay's words, quoted (cut to length): they become the email's stored last error.
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Self { stage: None, message: quote(&e.to_string()), reply: reply_of(&e), permanent: e.is_permanent(), retry_after: None, sender_refused: false }
    }
}

impl From<OpenError> for SendError {
    fn from(e: OpenError) -> Self {
        let permanent = e.smtp.as_ref().is_some_and(|s| s.is_permanent());
        Self { stage: Some(e.step.stage()), reply: e.smtp.as_ref().and_then(reply_of), message: e.message, permanent, retry_after: None, sender_refused: false }
    }
}

/// The relay's words, quoted (cut to length), when the error carries a reply (a 4xx or 5xx).
fn reply_of(e: &lettre::transport::smtp::Error) -> Option<String> {
    (e.is_permanent() || e.is_transient()).then(|| quote(&e.to_string()))
}

/// Why a configuration cannot make a sender.
#[derive(Debug)]
pub enum BuildError {
    /// lettre's address rules refuse the From address.
    FromEmail(String),
    /// The OAuth2 secret makes no token source (a key naming another token endpoint).
    OAuthKey(String),
    /// Authentication is on and there is no secret to sign in with.
    NoSecret,
}

impl Sender {
    /// The sender `config` asks for: Microsoft Graph for a Microsoft 365
    /// configuration whose transport is `graph`, otherwise its SMTP relay.
    pub fn new(smtp: &Smtp, config: &SmtpConfig, secret: Option<String>) -> Result<Self, BuildError> {
        match config.auth.as_ref().and_then(|a| a.oauth.as_ref()) {
            Some(identity) if identity.is_graph() => {
                let secret = secret.ok_or(BuildError::NoSecret)?;
                let key = key_of(config, Some(&secret));
                let username = config.auth.as_ref().map(|a| a.username.as_str()).unwrap_or_default();
                let source = TokenSource::new(identity, &secret, username, &smtp.runtime).map_err(BuildError::OAuthKey)?;
                let from = from_mailbox(config).map_err(|RelayError::FromEmail(why)| BuildError::FromEmail(why))?;
                let graph = GraphSender::new(key, from, &smtp.runtime.microsoft_graph, source, smtp.tokens.clone()).map_err(BuildError::FromEmail)?;
                Ok(Sender::Graph(graph))
            }
            _ => Self::smtp(smtp, config, secret),
        }
    }

    /// An SMTP relay's sender: `config` and its `secret` in clear (password,
    /// client secret or key; none without authentication), which the caller
    /// has opened or been given.
    pub fn smtp(smtp: &Smtp, config: &SmtpConfig, secret: Option<String>) -> Result<Self, BuildError> {
        let key = key_of(config, secret.as_deref());
        let auth = match (&config.auth, secret) {
            (None, _) => None,
            (Some(_), None) => return Err(BuildError::NoSecret),
            (Some(auth), Some(secret)) => Some(match &auth.oauth {
                None => RelayAuth::Password { username: auth.username.clone(), password: secret },
                Some(identity) => {
                    let source = TokenSource::new(identity, &secret, &auth.username, &smtp.runtime).map_err(BuildError::OAuthKey)?;
                    RelayAuth::OAuth { username: auth.username.clone(), source, tokens: smtp.tokens.clone() }
                }
            }),
        };
        let relay = Relay::new(config, auth, smtp.runtime.extra_roots.clone()).map_err(|RelayError::FromEmail(why)| BuildError::FromEmail(why))?;
        Ok(Sender::Smtp(RelaySender::new(relay, smtp.hello.clone(), key)))
    }

    pub fn key(&self) -> &SenderKey {
        match self {
            Sender::Smtp(s) => &s.key,
            Sender::Graph(g) => &g.key,
        }
    }

    /// Who the email is from, as the configuration says.
    pub fn from(&self) -> &Mailbox {
        match self {
            Sender::Smtp(s) => &s.relay.from,
            Sender::Graph(g) => &g.from,
        }
    }

    /// A message to `to`, addressed as this sender sends it: the one place
    /// that decides From, Reply-To and the envelope (delivery and the test
    /// send both start here). See [`addressed`].
    pub fn message(&self, voice: Option<&Voice>, to: Address) -> MessageBuilder {
        addressed(self.from(), voice, to)
    }

    /// Where the email goes out, as the audit log names it: the relay's
    /// host, or Graph's.
    pub fn via(&self) -> &str {
        match self {
            Sender::Smtp(s) => &s.relay.host,
            Sender::Graph(g) => &g.via,
        }
    }

    /// Hands over one email, reusing what is open from the last one.
    pub async fn send(&mut self, message: &Message) -> Result<(), SendError> {
        match self {
            Sender::Smtp(s) => s.send(message).await,
            Sender::Graph(g) => g.send(message).await,
        }
    }

    /// "Send test email": one message to `recipient`, step by step, within
    /// `bound`; from `voice` (an account's sender) when given.
    pub async fn test(&self, recipient: &EmailAddress, voice: Option<&Voice>, bound: Duration) -> TestReport {
        match self {
            Sender::Smtp(s) => super::probe::send_test(&s.relay, recipient, voice, &s.hello, bound).await,
            Sender::Graph(g) => g.test(recipient, voice, bound).await,
        }
    }

    /// Closes what is open (an SMTP session says QUIT; Graph keeps nothing open).
    pub async fn close(self) {
        match self {
            Sender::Smtp(mut s) => s.close().await,
            Sender::Graph(_) => {}
        }
    }
}

/// Whom an email speaks for when it is not the host: an account's own
/// sender (`accounts.sender_*`, fixed on the email when it is queued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

impl Voice {
    /// From stored text, by lettre's address rules (the final word on what
    /// can be sent); why not, otherwise.
    pub fn new(name: &str, email: &str, reply_to: Option<&str>) -> Result<Self, String> {
        let address: Address = email.parse().map_err(|e| format!("the account's From address: {e}"))?;
        let reply_to = match reply_to {
            Some(r) => Some(Mailbox::new(None, r.parse::<Address>().map_err(|e| format!("the account's Reply-To address: {e}"))?)),
            None => None,
        };
        Ok(Self { from: Mailbox::new(Some(name.to_owned()).filter(|n| !n.is_empty()), address), reply_to })
    }
}

/// A message from `relay_from` to `to`, or from `voice` when it speaks for
/// an account: then the header From (and Reply-To) are the account's, and
/// the envelope's MAIL FROM stays the relay's own address. A relay accepts
/// its own sender (and SPF and bounces follow it), while it may refuse
/// another domain's; the reader still sees, and answers, the account.
pub(super) fn addressed(relay_from: &Mailbox, voice: Option<&Voice>, to: Address) -> MessageBuilder {
    let envelope = Envelope::new(Some(relay_from.email.clone()), vec![to.clone()]).expect("one recipient");
    let builder = Message::builder().to(Mailbox::new(None, to)).envelope(envelope);
    match voice {
        None => builder.from(relay_from.clone()),
        Some(voice) => {
            let builder = builder.from(voice.from.clone());
            match &voice.reply_to {
                Some(reply_to) => builder.reply_to(reply_to.clone()),
                None => builder,
            }
        }
    }
}

fn key_of(config: &SmtpConfig, secret: Option<&str>) -> SenderKey {
    let mut config = config.clone();
    if let Some(auth) = &mut config.auth {
        // The secret is in the key by its digest only, never in clear.
        auth.password = PasswordChange::Keep;
    }
    SenderKey { config, secret: secret.map(|s| Sha256::digest(s.as_bytes()).into()) }
}
