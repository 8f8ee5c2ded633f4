//! Opening an SMTP session with the relay, the same way for the test send
//! (`probe`) and for delivery (`session`): TCP, then TLS as
//! configured (implicit, or STARTTLS, which is then required), ready for AUTH.
//!
//! We open the socket ourselves, with TCP_NODELAY, and hand it to lettre's
//! client. lettre's own connect leaves Nagle's algorithm on, and an email's
//! body and its closing `.` go out as two writes: the second then waits for
//! the relay's delayed ACK, about 40 ms per email (BENCHMARKS.md). For
//! implicit TLS (port 465) the handshake is done here with tokio-rustls, on
//! the same trust as lettre's STARTTLS (see `Relay::rustls_config`).

use super::relay::{client_id, Relay, RelayAuth};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::extension::ClientId;
use shared::smtp::{Security, TestStage};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

/// Which step failed, as the test send reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No TCP connection, or no greeting (or a refusal) from the relay.
    Connect,
    /// The TLS handshake, the certificate, or STARTTLS (missing or refused).
    Tls,
    /// OAuth2: asking the identity provider for a token.
    Token,
    /// AUTH: the relay refused the password or token.
    Auth,
}

impl Step {
    /// The test send's name for this step.
    pub fn stage(self) -> TestStage {
        match self {
            Step::Connect => TestStage::Connect,
            Step::Tls => TestStage::Tls,
            Step::Token => TestStage::Token,
            Step::Auth => TestStage::Auth,
        }
    }
}

#[derive(Debug)]
pub struct OpenError {
    pub step: Step,
    pub message: String,
    /// The relay's reply, when it answered with an error.
    pub smtp: Option<lettre::transport::smtp::Error>,
}

impl OpenError {
    fn new(step: Step, message: impl Into<String>) -> Self {
        Self { step, message: message.into(), smtp: None }
    }

    /// The relay answered with an error: its words, quoted (cut to length).
    fn smtp(step: Step, what: &str, e: lettre::transport::smtp::Error) -> Self {
        Self { step, message: format!("{what}: {}", super::quote::quote(&e.to_string())), smtp: Some(e) }
    }
}

/// Each step (connect, TLS, greeting, STARTTLS) is bounded by `step_timeout`.
/// `entering` hears of each step as it starts, so that a caller whose own
/// deadline passes mid-step (the test send) can say which step hung.
pub async fn open(relay: &Relay, hello: &str, step_timeout: Duration, entering: impl Fn(Step)) -> Result<AsyncSmtpConnection, OpenError> {
    let hello = client_id(hello);
    let t = step_timeout;
    entering(Step::Connect);
    let tcp = within(t, Step::Connect, "connect", TcpStream::connect((relay.host.as_str(), relay.port)))
        .await?
        .map_err(|e| OpenError::new(Step::Connect, format!("could not connect to {}:{}: {e}", relay.host, relay.port)))?;
    tcp.set_nodelay(true).map_err(|e| OpenError::new(Step::Connect, format!("connect: {e}")))?;

    if relay.security == Security::Ssl {
        entering(Step::Tls);
        let config = relay.rustls_config().map_err(|e| OpenError::new(Step::Tls, format!("TLS set-up: {e}")))?;
        let name = ServerName::try_from(relay.host.clone()).map_err(|e| OpenError::new(Step::Tls, format!("TLS: {}: {e}", relay.host)))?;
        let tls = within(t, Step::Tls, "TLS handshake", TlsConnector::from(config).connect(name, tcp))
            .await?
            .map_err(|e| OpenError::new(Step::Tls, format!("TLS handshake failed: {e}")))?;
        return greet(Box::new(TlsSocket(tls)), &hello, t).await;
    }

    let mut conn = greet(Box::new(tcp), &hello, t).await?;
    if relay.security == Security::StartTls {
        entering(Step::Tls);
        // Required, never opportunistic: no STARTTLS, no email.
        if !conn.can_starttls() {
            conn.abort().await;
            return Err(OpenError::new(Step::Tls, "the relay does not offer STARTTLS, which this configuration requires; nothing was sent"));
        }
        let tls = relay.tls_parameters().map_err(|e| OpenError::smtp(Step::Tls, "TLS set-up", e))?;
        within(t, Step::Tls, "STARTTLS", conn.starttls(tls, &hello)).await?.map_err(|e| OpenError::smtp(Step::Tls, "STARTTLS failed", e))?;
    }
    Ok(conn)
}

/// Signs in as configured: a password (AUTH PLAIN or LOGIN), or an OAuth2
/// token (AUTH XOAUTH2), the cached one if it has time left. A token the
/// relay refuses gets one fresh token and one more try: it may have been
/// revoked before it expired. Each step is bounded by `t`.
pub async fn sign_in(conn: &mut AsyncSmtpConnection, auth: &RelayAuth, t: Duration, entering: impl Fn(Step)) -> Result<(), OpenError> {
    match auth {
        RelayAuth::Password { username, password } => {
            entering(Step::Auth);
            let credentials = Credentials::new(username.clone(), password.clone());
            within(t, Step::Auth, "AUTH", conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials))
                .await?
                .map_err(|e| OpenError::smtp(Step::Auth, "authentication failed", e))?;
        }
        RelayAuth::OAuth { username, source, tokens } => {
            for fresh in [false, true] {
                entering(Step::Token);
                let token = tokens.token(source, fresh, t).await.map_err(|e| OpenError::new(Step::Token, e.message))?;
                entering(Step::Auth);
                let credentials = Credentials::new(username.clone(), token);
                match within(t, Step::Auth, "AUTH", conn.auth(&[Mechanism::Xoauth2], &credentials)).await? {
                    Ok(_) => return Ok(()),
                    Err(e) if !fresh && e.is_permanent() => continue,
                    Err(e) => {
                        let hint = super::oauth::auth_hint(&e.to_string());
                        return Err(OpenError::smtp(Step::Auth, &format!("the relay refused the token ({hint})"), e));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads the relay's greeting and says EHLO.
async fn greet(stream: Box<dyn AsyncTokioStream>, hello: &ClientId, t: Duration) -> Result<AsyncSmtpConnection, OpenError> {
    within(t, Step::Connect, "greeting", AsyncSmtpConnection::connect_with_transport(stream, hello))
        .await?
        .map_err(|e| OpenError::smtp(Step::Connect, "could not open an SMTP session", e))
}

async fn within<T>(limit: Duration, step: Step, what: &str, f: impl Future<Output = T>) -> Result<T, OpenError> {
    tokio::time::timeout(limit, f).await.map_err(|_| OpenError::new(step, format!("{what}: no answer from the relay within {} s", limit.as_secs())))
}

/// A TLS stream lettre's client can talk through (it takes any
/// `AsyncTokioStream`; lettre implements it only for a plain `TcpStream`).
#[derive(Debug)]
struct TlsSocket(TlsStream<TcpStream>);

impl AsyncTokioStream for TlsSocket {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsSocket {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsSocket {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
