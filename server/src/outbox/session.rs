//! One SMTP session to the relay, reused for consecutive emails and closed
//! when the queue is empty. Built from lettre's client connection rather than
//! its pooled transport for one reason: lettre does not set TCP_NODELAY, and
//! with Nagle's algorithm each message waited about 40 ms for a delayed ACK
//! (see BENCHMARKS.md). Every step is bounded by a timeout, so a relay that
//! goes silent cannot stall the worker.

use crate::smtp::relay::{client_id, Relay};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Message;
use shared::smtp::Security;
use std::future::Future;
use std::time::Duration;

/// Why a delivery attempt failed; `permanent` for a 5xx reply (no retry).
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Self { permanent: e.is_permanent(), message: e.to_string() }
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
    /// Which configuration this session was opened with.
    pub key: String,
}

impl Session {
    pub async fn open(relay: &Relay, hello: &str, timeout: Duration, key: String) -> Result<Self, SendError> {
        let hello = client_id(hello);
        let mut conn = if relay.security == Security::Ssl {
            // Implicit TLS: lettre owns the socket (and its TLS); Nagle stays on here.
            let tls = relay.tls_parameters()?;
            bounded(timeout, "connect", AsyncSmtpConnection::connect_tokio1((relay.host.as_str(), relay.port), Some(timeout), &hello, Some(tls), None)).await?
        } else {
            let tcp = bounded(timeout, "connect", async {
                tokio::net::TcpStream::connect((relay.host.as_str(), relay.port)).await.map_err(|e| transient(format!("connect: {e}")))
            })
            .await?;
            tcp.set_nodelay(true).map_err(|e| transient(format!("connect: {e}")))?;
            let mut conn = bounded(timeout, "greeting", AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello)).await?;
            if relay.security == Security::StartTls {
                // Required, never opportunistic: no STARTTLS, no email.
                if !conn.can_starttls() {
                    conn.abort().await;
                    return Err(transient("the relay does not offer STARTTLS, which the configuration requires"));
                }
                bounded(timeout, "STARTTLS", conn.starttls(relay.tls_parameters()?, &hello)).await?;
            }
            conn
        };
        if let Some((user, password)) = &relay.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            bounded(timeout, "AUTH", conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)).await?;
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
