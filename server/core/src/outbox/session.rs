//! One SMTP session to the relay, reused for consecutive emails and closed
//! when the queue is empty. Opened like the test send's (`smtp::connect`, on
//! a socket with TCP_NODELAY); every step is bounded by a timeout, so a relay
//! that goes silent cannot stall the worker.

use crate::smtp::relay::{Relay, RelayKey};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Message;
use std::future::Future;
use std::time::Duration;

/// Why a delivery attempt failed; `permanent` for a 5xx reply (no retry).
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl From<lettre::transport::smtp::Error> for SendError {
    /// The relay's words, quoted (cut to length): they become the email's stored last error.
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Self { permanent: e.is_permanent(), message: crate::smtp::quote::quote(&e.to_string()) }
    }
}

fn transient(message: impl Into<String>) -> SendError {
    SendError { message: message.into(), permanent: false }
}

async fn bounded<T, E: Into<SendError>>(timeout: Duration, step: &str, f: impl Future<Output = Result<T, E>>) -> Result<T, SendError> {
    match tokio::time::timeout(timeout, f).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(transient(format!("{step}: no answer from the relay within {} s", timeout.as_secs()))),
    }
}

pub struct Session {
    conn: AsyncSmtpConnection,
    /// Which relay this session was opened to.
    pub key: RelayKey,
}

impl Session {
    pub async fn open(relay: &Relay, key: RelayKey, hello: &str, timeout: Duration) -> Result<Self, SendError> {
        let mut conn = crate::smtp::connect::open(relay, hello, timeout, |_| {})
            .await
            .map_err(|e| SendError { permanent: e.smtp.as_ref().is_some_and(|s| s.is_permanent()), message: e.message })?;
        if let Some(auth) = &relay.auth {
            // A token the identity provider would not give is worth retrying
            // later (transient); a relay refusing the sign-in with 5xx is not.
            crate::smtp::connect::sign_in(&mut conn, auth, timeout, |_| {})
                .await
                .map_err(|e| SendError { permanent: e.smtp.as_ref().is_some_and(|s| s.is_permanent()), message: e.message })?;
        }
        Ok(Self { conn, key })
    }

    pub async fn send(&mut self, message: &Message, timeout: Duration) -> Result<(), SendError> {
        bounded(timeout, "sending", self.conn.send(message.envelope(), &message.formatted())).await.map(|_| ())
    }

    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.quit()).await;
    }
}
