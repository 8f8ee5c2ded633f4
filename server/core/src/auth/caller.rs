//! Turning a request's credentials into a `Caller`: a bearer API token
//! (`Authorization: Bearer ght_…`) or the session cookie set at sign-in.

use super::storage;
use super::Auth;
use crate::audit::{Actor, Via};
use crate::error::{Failure, Result};
use crate::identity::User;
use crate::public_url::PublicUrl;
use crate::tokens;
use http::HeaderMap;
use shared::{ApiError, Role};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// A signed-in user making a request: who, with which credential, from
/// which address. Only `authenticate` makes one (its fields are the core's
/// own), so a transport cannot act as someone it has not authenticated.
/// Operations any signed-in user may call take a `Caller`; the privileged
/// ones take a checked handle it hands out (`access::HostAdmin`,
/// `access::Manager`), so a forgotten role check does not compile.
#[derive(Debug, Clone)]
pub struct Caller {
    pub(crate) user: User,
    pub(crate) via: Credential,
    /// The client's address, as the transport established it.
    pub(crate) source: IpAddr,
}

/// What a caller signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The session cookie from signing in with a password.
    Session,
    /// A bearer API token.
    Token { id: i64, name: String },
}

impl Caller {
    /// Who this caller is, for the audit log.
    pub fn actor(&self) -> Actor<'_> {
        let via = match &self.via {
            Credential::Session => Via::Session,
            Credential::Token { id, name } => Via::Token { id: *id, name },
        };
        Actor { user_id: Some(self.user.id), email: self.user.email.as_str(), via, source: Some(self.source) }
    }

    /// Some things only a person who signed in with their password may do
    /// (minting tokens): a token cannot reach beyond itself.
    pub(crate) fn require_session(&self, what: &str) -> Result<()> {
        match self.via {
            Credential::Session => Ok(()),
            Credential::Token { .. } => Err(ApiError::new(shared::ErrorCode::Forbidden, format!("{what} needs a signed-in session, not an API token")).into()),
        }
    }

    /// Whose users and accounts the caller may see: everyone's for host
    /// roles, their own account's for account roles.
    pub(crate) fn sees(&self) -> Scope {
        match (self.user.role, self.user.account_id) {
            (Role::AccountAdmin | Role::AccountUser, Some(account)) => Scope::Account(account),
            (Role::AccountAdmin | Role::AccountUser, None) => Scope::Nobody,
            (Role::HostAdmin | Role::HostUser, _) => Scope::Everyone,
        }
    }

    /// Whose users the caller may invite and manage: everyone (host admins),
    /// their own account's account roles (account admins); 403 for the rest.
    pub(crate) fn manages(&self) -> Result<Scope> {
        match self.user.role {
            Role::HostAdmin => Ok(Scope::Everyone),
            Role::AccountAdmin => Ok(self.sees()),
            Role::HostUser | Role::AccountUser => Err(ApiError::forbidden().into()),
        }
    }
}

/// A set of users, by role and account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everyone,
    /// The account roles of one account.
    Account(i64),
    Nobody,
}

impl Scope {
    /// Whether a user in `role`, in `account_id`, is within this scope.
    pub fn covers(self, role: Role, account_id: Option<i64>) -> bool {
        match self {
            Scope::Everyone => true,
            Scope::Account(id) => role.needs_account() && account_id == Some(id),
            Scope::Nobody => false,
        }
    }

    /// 403 unless `covers`.
    pub fn require(self, role: Role, account_id: Option<i64>) -> Result<()> {
        if self.covers(role, account_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden().into())
        }
    }

    /// The account to filter lists by (`None`: no filter).
    pub fn account(self) -> Option<i64> {
        match self {
            Scope::Everyone => None,
            Scope::Account(id) => Some(id),
            // No account has id -1: an empty list.
            Scope::Nobody => Some(-1),
        }
    }
}

/// What the transport knows of a request before any service runs: the
/// client's address, and (once authenticated) the caller, noted so that a
/// refusal of what the caller asked can be audited after the answer.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub client: IpAddr,
    caller: Arc<OnceLock<Caller>>,
}

impl RequestContext {
    pub fn new(client: IpAddr) -> Self {
        Self { client, caller: Arc::default() }
    }

    /// The caller this request authenticated as, if it did.
    pub fn caller(&self) -> Option<&Caller> {
        self.caller.get()
    }
}

/// The caller of a request, by its bearer token or session cookie (401
/// without), noted in its context.
pub async fn authenticate_request(auth: &Auth, headers: &HeaderMap, context: &RequestContext) -> Result<Caller> {
    let caller = authenticate(auth, headers, context.client).await?;
    let _ = context.caller.set(caller.clone());
    Ok(caller)
}

/// The caller of a request from `source`, by its bearer token or session cookie; 401 without.
pub async fn authenticate(auth: &Auth, headers: &HeaderMap, source: IpAddr) -> Result<Caller> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| tokens::looks_valid(t, tokens::API_TOKEN_PREFIX))
            .ok_or_else(|| Failure(ApiError::unauthorized().with_field("authorization", "expected `Bearer ght_…`")))?;
        let found = storage::user_for_api_token(&auth.db, &tokens::hash(token)).await?;
        return found.map(|(user, id, name)| Caller { user, via: Credential::Token { id, name }, source }).ok_or_else(|| ApiError::unauthorized().into());
    }
    let session = auth.cookie.find(headers).ok_or_else(ApiError::unauthorized)?;
    let user = storage::user_for_session(&auth.db, &tokens::hash(session), auth.idle_secs).await?;
    user.map(|user| Caller { user, via: Credential::Session, source }).ok_or_else(|| ApiError::unauthorized().into())
}

/// The session cookie. Over https it is named with the `__Host-` prefix,
/// which browsers accept only when it is Secure, for this host alone, on
/// path `/`: a sibling subdomain cannot plant a session of its choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    pub name: &'static str,
    pub secure: bool,
}

impl SessionCookie {
    pub fn for_url(public_url: &PublicUrl) -> Self {
        if public_url.is_https() {
            Self { name: "__Host-gh_session", secure: true }
        } else {
            Self { name: "gh_session", secure: false }
        }
    }

    /// The cookie's value, if the request carries a plausible one.
    pub fn find<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name)
            .map(|(_, value)| value)
            .filter(|v| tokens::looks_valid(v, ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let cookie = SessionCookie::for_url(&PublicUrl::for_bound(([127, 0, 0, 1], 3000).into()));
        let token = tokens::mint("").secret;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, format!("a=1; gh_session={token}; b=2").parse().unwrap());
        assert_eq!(cookie.find(&headers), Some(token.as_str()));
        headers.insert(http::header::COOKIE, "gh_session=garbage".parse().unwrap());
        assert_eq!(cookie.find(&headers), None);
    }

    #[test]
    fn over_https_only_the_host_prefixed_cookie_counts() {
        let https = SessionCookie::for_url(&PublicUrl::new(&url::Url::parse("https://console.example.com/").unwrap()).unwrap());
        assert_eq!(https, SessionCookie { name: "__Host-gh_session", secure: true });
        let token = tokens::mint("").secret;
        let mut headers = HeaderMap::new();
        // A cookie without the prefix could have been set by a sibling subdomain.
        headers.insert(http::header::COOKIE, format!("gh_session={token}").parse().unwrap());
        assert_eq!(https.find(&headers), None);
        headers.insert(http::header::COOKIE, format!("__Host-gh_session={token}").parse().unwrap());
        assert_eq!(https.find(&headers), Some(token.as_str()));
    }
}
