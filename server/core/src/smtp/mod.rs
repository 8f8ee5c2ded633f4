//! SMTP: the configuration (save, enable/disable, "Send test email") and
//! everything about talking to a relay.
//!
//! `service` is the one place the operations happen (REST routes and the
//! dashboard's server functions both call it); `storage` reads the row and
//! decodes it, typed, or names the column that does not decode. `sender` is
//! the sending seam: the outbox worker and the test send talk only to a
//! `Sender`, built by `service` from a configuration and its opened secret.
//! Behind it, private to this module: `relay` (what lettre needs),
//! `connect` (the one way to open a session, every step bounded and named),
//! `session` (delivery's reused session), `probe` (the staged test send)
//! and `graph` (Microsoft Graph's sendMail, instead of a relay).
//! The relay password is sealed at rest (`crate::seal`).

mod connect;
pub mod fallback;
mod google_assertion;
mod graph;
pub(crate) mod oauth;
mod probe;
pub mod provision;
pub(crate) mod quote;
mod relay;
pub(crate) mod route;
pub(crate) mod sender;
pub mod service;
mod session;
pub(crate) mod storage;
pub mod token_url;

use crate::secret_key::SecretKey;
use crate::storage::Db;
use crate::tls_roots::ExtraRoots;
use crate::wake::Wake;
use std::sync::Arc;
use std::time::Duration;
use token_url::TokenUrl;

/// What the SMTP operations need: the database, the key that seals the
/// relay password, the relay trust roots and test bound, the name to greet
/// relays with, and the signal that wakes the outbox worker.
#[derive(Clone)]
pub struct Smtp {
    pub(crate) db: Db,
    pub(crate) key: SecretKey,
    pub(crate) runtime: Arc<SmtpRuntime>,
    pub(crate) hello: String,
    pub(crate) wake: Wake,
    /// OAuth2 relays' tokens, shared by the test send and the worker.
    pub(crate) tokens: oauth::Tokens,
    /// Until when the primary relay rests after failing, for every worker session.
    pub(crate) resting: route::PrimaryRest,
}

impl Smtp {
    pub fn new(db: Db, key: SecretKey, runtime: SmtpRuntime, hello: String, wake: Wake) -> Self {
        let tls = relay::rustls_config(&runtime.extra_roots).expect("the extra roots were checked when loaded");
        Self { db, key, runtime: Arc::new(runtime), hello, wake, tokens: oauth::Tokens::new(tls), resting: route::PrimaryRest::default() }
    }
}

/// How this instance talks to relays: trusted extra roots, the test-send
/// bound, and where the OAuth2 providers' token endpoints are.
pub struct SmtpRuntime {
    pub extra_roots: ExtraRoots,
    pub test_bound: Duration,
    /// `GATEHOUSE_MICROSOFT_LOGIN_URL`: `https://login.microsoftonline.com`, or a sovereign cloud's.
    pub microsoft_login: TokenUrl,
    /// `GATEHOUSE_MICROSOFT_GRAPH_URL`: `https://graph.microsoft.com`, or a
    /// sovereign cloud's; where Graph's sendMail is posted.
    pub microsoft_graph: TokenUrl,
    /// `GATEHOUSE_GOOGLE_TOKEN_URL`: `https://oauth2.googleapis.com/token`, the
    /// only place Google tokens are asked for (a key file cannot choose another).
    pub google_token: TokenUrl,
    /// The relay is provisioned by this start's settings (`GATEHOUSE_SMTP_HOST`):
    /// saving and switching are refused (`provision` says why it is not stored).
    pub managed: bool,
    /// The fallback relay is provisioned likewise (`GATEHOUSE_SMTP_FALLBACK_HOST`).
    pub managed_fallback: bool,
    /// `GATEHOUSE_FALLBACK_COOLDOWN_SECS`: how long the fallback relay keeps
    /// the email after the primary failed one, before the primary is tried
    /// first again (5 minutes).
    pub primary_rest: Duration,
}

pub const DEFAULT_MICROSOFT_LOGIN: &str = "https://login.microsoftonline.com";
pub const DEFAULT_MICROSOFT_GRAPH: &str = "https://graph.microsoft.com";
pub const DEFAULT_GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
