//! Sign-in, sign-out, first-run setup and API tokens: the operations behind
//! both the REST routes and the CLI.

use super::{storage, Caller};
use crate::error::{Failure, Result};
use crate::identity;
use crate::state::AppState;
use crate::tokens;
use shared::api::{ErrorCode, FieldErrors, Me, SetupRequest, SetupStatus, SignInRequest};
use shared::{ApiError, EmailAddress, NewPassword, Role};

pub const SESSION_TTL_SECS: i64 = 12 * 3600;
pub const SETUP_LINK_TTL_SECS: i64 = 24 * 3600;
/// After this many failed sign-ins for one address inside the window, further
/// attempts are refused (even with the right password) until the window passes.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// Longer passwords are not hashed at sign-in (a CPU sink otherwise). Looser
/// than today's policy (`shared::password::MAX_CHARS`) on purpose: passwords
/// chosen when the bound was 1,024 bytes still sign in.
const MAX_SIGN_IN_PASSWORD_BYTES: usize = 1024;

/// A new session's secret, for the cookie.
pub struct NewSession {
    pub secret: String,
}

pub async fn sign_in(state: &AppState, req: &SignInRequest) -> Result<(Me, NewSession)> {
    let wrong = || Failure::new(ErrorCode::Unauthorized, "wrong email or password");
    // Nothing that is not an address reaches the database (PostgreSQL refuses NUL in text).
    let Ok(email) = EmailAddress::parse(&req.email) else { return Err(wrong()) };
    if req.password.len() > MAX_SIGN_IN_PASSWORD_BYTES {
        return Err(wrong());
    }
    // The attempt is counted before the password is checked, so that a burst
    // of parallel guesses cannot slip past the limit; success forgets it.
    storage::record_sign_in_failure(state.db.writes(), email.as_str()).await?;
    if storage::recent_sign_in_failures(state.db.reads(), email.as_str(), FAILURE_WINDOW_SECS).await? > MAX_FAILURES {
        return Err(Failure::new(
            ErrorCode::RateLimited,
            format!("too many failed sign-ins for this address; try again in {} minutes", FAILURE_WINDOW_SECS / 60),
        ));
    }
    let user = identity::find_by_email(state.db.reads(), email.as_str()).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    if !state.passwords.verify(&req.password, stored).await? {
        return Err(wrong());
    }
    let user = user.expect("a password matched, so the user exists");
    storage::clear_sign_in_failures(state.db.writes(), email.as_str(), FAILURE_WINDOW_SECS).await?;
    let session = start_session(state, user.id).await?;
    Ok((user.me(), session))
}

pub(crate) async fn start_session(state: &AppState, user_id: i64) -> Result<NewSession> {
    let minted = tokens::mint("");
    storage::insert_session(state.db.writes(), &minted.hash, user_id, SESSION_TTL_SECS).await?;
    Ok(NewSession { secret: minted.secret })
}

pub async fn sign_out(state: &AppState, session_secret: Option<&str>) -> Result<()> {
    if let Some(secret) = session_secret {
        storage::delete_session(state.db.writes(), &tokens::hash(secret)).await?;
    }
    Ok(())
}

pub fn whoami(caller: &Caller) -> Me {
    caller.user.me()
}

/// Mints a setup link when the instance has no host admin yet.
pub async fn issue_setup_link(state: &AppState) -> Result<Option<String>> {
    if identity::host_admin_exists(state.db.reads()).await? {
        return Ok(None);
    }
    let minted = tokens::mint("");
    storage::insert_setup_token(state.db.writes(), &minted.hash, SETUP_LINK_TTL_SECS).await?;
    Ok(Some(state.public_url.link(&format!("setup/{}", minted.secret))))
}

pub async fn setup_status(state: &AppState, token: &str) -> Result<SetupStatus> {
    let valid = tokens::looks_valid(token, "") && storage::setup_token_is_live(state.db.reads(), &tokens::hash(token)).await?;
    Ok(SetupStatus { valid })
}

/// Creates the first host admin from a setup link, once, and signs them in.
pub async fn complete_setup(state: &AppState, token: &str, req: &SetupRequest) -> Result<(Me, NewSession)> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    let password = fields.check("password", NewPassword::parse(&req.password));
    fields.into_result()?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));

    let gone = || Failure::new(ErrorCode::Gone, "this setup link has been used or has expired");
    if !tokens::looks_valid(token, "") {
        return Err(gone());
    }
    if !storage::setup_token_is_live(state.db.reads(), &tokens::hash(token)).await? {
        return Err(gone());
    }
    let hash = state.passwords.hash(password.expose()).await?;
    let mut tx = state.db.begin().await?;
    if !storage::consume_setup_token(&mut tx, &tokens::hash(token)).await? {
        return Err(gone());
    }
    let id = identity::insert(&mut *tx, &email, Role::HostAdmin, None, Some(&hash)).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, "first host admin created from the setup link");
    let session = start_session(state, id).await?;
    Ok((Me { id, email, role: Role::HostAdmin, account_id: None }, session))
}

/// A bearer token acting as the user with `email`; only its hash is kept.
pub async fn create_api_token(state: &AppState, email: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::validation("give the token a name of 1 to 100 characters").with_field("name", "1 to 100 characters").into());
    }
    let user =
        identity::find_by_email(state.db.reads(), email).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, format!("no user with email {email}")))?;
    let minted = tokens::mint(tokens::API_TOKEN_PREFIX);
    storage::insert_api_token(state.db.writes(), &minted.hash, user.id, name).await?;
    Ok(minted.secret)
}
