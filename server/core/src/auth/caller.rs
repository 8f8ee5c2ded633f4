//! Turning a request's credentials into a `Caller`: a bearer API token
//! (`Authorization: Bearer ght_…`) or the session cookie set at sign-in.

use super::storage;
use crate::error::{Failure, Result};
use crate::identity::User;
use crate::state::AppState;
use crate::tokens;
use http::HeaderMap;
use shared::ApiError;

pub const SESSION_COOKIE: &str = "gh_session";

/// A signed-in user making a request. Services take one and check the role themselves.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    /// Host settings and user management are for host admins, whatever the door.
    pub fn require_host_admin(&self) -> Result<()> {
        if self.user.role.can_manage_host() {
            Ok(())
        } else {
            Err(ApiError::forbidden().into())
        }
    }
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller> {
    if let Some(auth) = headers.get(http::header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| tokens::looks_valid(t, tokens::API_TOKEN_PREFIX))
            .ok_or_else(|| Failure(ApiError::unauthorized().with_field("authorization", "expected `Bearer ght_…`")))?;
        let user = storage::user_for_api_token(state.db.reads(), &tokens::hash(token)).await?;
        return user.map(|user| Caller { user }).ok_or_else(|| ApiError::unauthorized().into());
    }
    let session = session_cookie(headers).ok_or_else(ApiError::unauthorized)?;
    let user = storage::user_for_session(state.db.reads(), &tokens::hash(session)).await?;
    user.map(|user| Caller { user }).ok_or_else(|| ApiError::unauthorized().into())
}

/// The value of our session cookie, if the request carries a plausible one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| tokens::looks_valid(v, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let token = tokens::mint("").secret;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, format!("a=1; {SESSION_COOKIE}={token}; b=2").parse().unwrap());
        assert_eq!(session_cookie(&headers), Some(token.as_str()));
        headers.insert(http::header::COOKIE, format!("{SESSION_COOKIE}=garbage").parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }
}
