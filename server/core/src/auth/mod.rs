//! Who is calling: sign-in and sessions (cookie), bearer API tokens, the
//! first-run setup link, and the role checks every service applies.

mod access;
pub mod api_tokens;
pub mod caller;
pub mod provision;
pub mod service;
pub(crate) mod storage;
pub(crate) mod throttle;

pub use access::{HostAdmin, Manager};
pub use caller::{authenticate, authenticate_request, Caller, Credential, RequestContext, Scope, SessionCookie};

use crate::passwords::PasswordHasher;
use crate::public_url::PublicUrl;
use crate::storage::Db;

/// What sign-in, sessions and the setup link need.
#[derive(Clone)]
pub struct Auth {
    pub(crate) db: Db,
    pub(crate) passwords: PasswordHasher,
    pub(crate) public_url: PublicUrl,
    /// The session cookie's name and flags, which follow the public URL's scheme.
    pub cookie: SessionCookie,
    /// A session unused for this long ends, whatever its absolute lifetime.
    pub(crate) idle_secs: i64,
}

impl Auth {
    pub fn new(db: Db, passwords: PasswordHasher, public_url: PublicUrl, idle_secs: i64) -> Self {
        Self { db, passwords, cookie: SessionCookie::for_url(&public_url), public_url, idle_secs }
    }
}

/// How long an unused session lives by default (`GATEHOUSE_SESSION_IDLE_MINUTES`).
pub const DEFAULT_IDLE_SECS: i64 = 30 * 60;
