//! Delivery through an SMTP relay: one session, reused for consecutive
//! emails and closed when the queue is empty or after any error. Opened like
//! the test send's (`connect`, on a socket with TCP_NODELAY); every step is
//! bounded by a timeout, so a relay that goes silent cannot stall the worker.

use super::connect;
use super::relay::Relay;
use super::sender::{SendError, SenderKey};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Message;
use std::future::Future;
use std::time::Duration;

/// The bound on each step of a delivery: connect, TLS, sign-in, the send.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A relay, and the session open to it while emails keep coming.
pub struct RelaySender {
    pub(super) relay: Relay,
    pub(super) hello: String,
    /// Which configuration and secret `relay` was made from.
    pub(super) key: SenderKey,
    session: Option<Session>,
}

impl RelaySender {
    pub(super) fn new(relay: Relay, hello: String, key: SenderKey) -> Self {
        Self { relay, hello, key, session: None }
    }

    /// Sends on the open session, opening one first if there is none. After
    /// an error the session's state is unknown: it is closed, and the next
    /// email opens a fresh one.
    pub async fn send(&mut self, message: &Message) -> Result<(), SendError> {
        if self.session.is_none() {
            self.session = Some(Session::open(&self.relay, &self.hello).await?);
        }
        let outcome = self.session.as_mut().expect("opened above").send(message).await;
        if outcome.is_err() {
            self.close().await;
        }
        outcome
    }

    /// Says QUIT, if a session is open.
    pub async fn close(&mut self) {
        if let Some(session) = self.session.take() {
            session.close().await;
        }
    }
}

struct Session {
    conn: AsyncSmtpConnection,
}

impl Session {
    async fn open(relay: &Relay, hello: &str) -> Result<Self, SendError> {
        let mut conn = connect::open(relay, hello, STEP_TIMEOUT, |_| {}).await?;
        if let Some(auth) = &relay.auth {
            // A token the identity provider would not give is worth retrying
            // later (transient); a relay refusing the sign-in with 5xx is not.
            connect::sign_in(&mut conn, auth, STEP_TIMEOUT, |_| {}).await?;
        }
        Ok(Self { conn })
    }

    async fn send(&mut self, message: &Message) -> Result<(), SendError> {
        bounded("sending", self.conn.send(message.envelope(), &message.formatted())).await.map(|_| ())
    }

    async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.quit()).await;
    }
}

async fn bounded<T>(step: &str, f: impl Future<Output = Result<T, lettre::transport::smtp::Error>>) -> Result<T, SendError> {
    match tokio::time::timeout(STEP_TIMEOUT, f).await {
        Ok(result) => result.map_err(SendError::from),
        Err(_) => Err(SendError::transient(format!("{step}: no answer from the relay within {} s", STEP_TIMEOUT.as_secs()))),
    }
}
