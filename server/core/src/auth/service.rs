//! Sign-in, sign-out, first-run setup and API tokens: the operations behind
//! both the REST routes and the CLI.

use super::{storage, throttle, Auth, Caller};
use crate::audit::{self, Actor, Entry, Via};
use crate::error::{Failure, Result};
use crate::identity;
use crate::operator::Operator;
use crate::storage::Db;
use crate::tokens;
use shared::api::{ChangePassword, ErrorCode, FieldErrors, Me, MeUpdate, SetupRequest, SetupStatus, SignInRequest};
use shared::audit::AuditAction;
use shared::token::{CreatedApiToken, NewApiToken};
use shared::{ApiError, EmailAddress, NewPassword, Role};
use std::net::IpAddr;

pub const SESSION_TTL_SECS: i64 = 12 * 3600;
/// A setup link makes a host admin out of whoever holds it: short-lived,
/// and only the newest one works.
pub const SETUP_LINK_TTL_SECS: i64 = 3600;
/// Longer passwords are not hashed at sign-in (a CPU sink otherwise). Looser
/// than today's policy (`shared::password::MAX_CHARS`) on purpose: passwords
/// chosen when the bound was 1,024 bytes still sign in.
const MAX_SIGN_IN_PASSWORD_BYTES: usize = 1024;

/// A new session's secret, for the cookie.
pub struct NewSession {
    pub secret: String,
}

/// Signs in `req` from `source` (the client's address, as the transport
/// established it), throttled by [`throttle`].
pub async fn sign_in(auth: &Auth, req: &SignInRequest, source: IpAddr) -> Result<(Me, NewSession)> {
    let wrong = || Failure::new(ErrorCode::Unauthorized, "wrong email or password");
    // Nothing that is not an address reaches the database (PostgreSQL refuses NUL in text).
    let Ok(email) = EmailAddress::parse(&req.email) else { return Err(wrong()) };
    if req.password.len() > MAX_SIGN_IN_PASSWORD_BYTES {
        return Err(wrong());
    }
    // Counted before the password is checked, so that a burst of parallel
    // guesses cannot slip past the count; success takes it back.
    if let Err(wait) = throttle::count_sign_in(&auth.db, source, email.as_str()).await? {
        return Err(ApiError::rate_limited("too many failed sign-ins from here", wait.unsigned_abs()).into());
    }
    let user = identity::find_by_email(auth.db.reads(), email.as_str()).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    if !auth.passwords.verify(&req.password, stored).await? {
        let tried = Actor::person(user.as_ref().map(|u| u.id), email.as_str(), Via::SignIn, source);
        audit::record(auth.db.writes(), Entry::new(tried, AuditAction::SignInFailed)).await?;
        return Err(wrong());
    }
    let user = user.expect("a password matched, so the user exists");
    throttle::forget_success(&auth.db, source, email.as_str()).await?;
    // Said only to whoever knows the password: nobody else learns the account is disabled.
    if user.disabled {
        return Err(Failure::new(ErrorCode::Disabled, "this user is disabled; ask an admin to enable it again"));
    }
    audit::record(auth.db.writes(), Entry::new(Actor::person(Some(user.id), user.email.as_str(), Via::SignIn, source), AuditAction::SignIn)).await?;
    let session = start_session(&auth.db, user.id).await?;
    Ok((user.me(), session))
}

pub(crate) async fn start_session(db: &Db, user_id: i64) -> Result<NewSession> {
    let minted = tokens::mint("");
    storage::insert_session(db.writes(), &minted.hash, user_id, SESSION_TTL_SECS).await?;
    Ok(NewSession { secret: minted.secret })
}

pub async fn sign_out(db: &Db, session_secret: Option<&str>) -> Result<()> {
    if let Some(secret) = session_secret {
        storage::delete_session(db.writes(), &tokens::hash(secret)).await?;
    }
    Ok(())
}

/// The signed-in user's own new password, given the current one. Their other
/// sessions end and their API tokens are revoked (whoever held the old
/// password may have made one); the session that asked stays signed in.
/// Checking the current password is throttled per user, like a sign-in: a
/// stolen session cannot be used to guess it.
pub async fn change_password(auth: &Auth, caller: &Caller, session_secret: Option<&str>, req: &ChangePassword) -> Result<()> {
    let new = NewPassword::parse(&req.new_password).map_err(|e| Failure(ApiError::validation("some fields need fixing").with_field("new_password", e)))?;
    check_own_password(auth, caller, "current_password", &req.current_password).await?;
    let hash = auth.passwords.hash(new.expose()).await?;
    let keep = session_secret.map(tokens::hash);
    let mut tx = auth.db.begin().await?;
    identity::set_password(&mut tx, caller.user.id, &hash).await?;
    storage::delete_other_sessions(&mut tx, caller.user.id, keep.as_deref()).await?;
    let tokens = storage::delete_api_tokens_of(&mut tx, caller.user.id).await?;
    let revoked = format!("{tokens} API token(s) revoked");
    audit::record(&mut *tx, Entry::new(caller.actor(), AuditAction::PasswordChanged).detail(&revoked)).await?;
    tx.commit().await?;
    tracing::info!(user_id = caller.user.id, tokens_revoked = tokens, "password changed by its owner");
    Ok(())
}

/// The throttle counter's account key for current-password checks.
const PASSWORD_CHANGE: &str = "!password-change";

/// Checks the signed-in user's own password (`field` names it in the
/// answer), throttled per user like a sign-in: a stolen session cannot be
/// used to guess it.
async fn check_own_password(auth: &Auth, caller: &Caller, field: &str, password: &str) -> Result<()> {
    // 403, not 422: the request is well-formed; the credential in it does not authorise the change.
    let wrong = || Failure(ApiError::new(ErrorCode::Forbidden, "the current password is wrong").with_field(field, "this is not your current password"));
    if password.len() > MAX_SIGN_IN_PASSWORD_BYTES {
        return Err(wrong());
    }
    let guesser = format!("user {}", caller.user.id);
    let counter = throttle::Counter { source: &guesser, account: PASSWORD_CHANGE, free: throttle::FREE_PER_PAIR, enforced: true };
    let verdict = throttle::count(&auth.db, &[counter]).await?;
    if verdict.wait_secs > 0 {
        return Err(ApiError::rate_limited("too many wrong current passwords", verdict.wait_secs.unsigned_abs()).into());
    }
    if !auth.passwords.verify(password, caller.user.password_hash.as_deref()).await? {
        return Err(wrong());
    }
    throttle::forget(&auth.db, &guesser, PASSWORD_CHANGE).await?;
    Ok(())
}

/// What only the person at the keyboard may do (`what`: making a backup,
/// seeing the backup key): a signed-in session, with the password typed
/// again. A token cannot, nor a session left open on someone's desk.
pub(crate) async fn confirm_password(auth: &Auth, caller: &Caller, what: &str, password: &str) -> Result<()> {
    caller.require_session(what)?;
    check_own_password(auth, caller, "password", password).await
}

/// The signed-in user's language, kept on the server so every browser opens in it.
pub async fn set_language(auth: &Auth, caller: &Caller, update: &MeUpdate) -> Result<Me> {
    identity::set_language(auth.db.writes(), caller.user.id, update.language).await?;
    Ok(Me { language: Some(update.language), ..caller.user.me() })
}

/// Writes down that `caller` was refused (403) what they `asked` (a method
/// and path), whichever door refused it.
pub async fn record_refusal(auth: &Auth, caller: &Caller, asked: &str) -> Result<()> {
    audit::record(auth.db.writes(), Entry::new(caller.actor(), AuditAction::AccessDenied).target(asked)).await
}

pub fn whoami(caller: &Caller) -> Me {
    caller.user.me()
}

/// Mints a setup link when the instance has no host admin yet; every link
/// made before it stops working.
pub async fn issue_setup_link(auth: &Auth, _operator: &Operator) -> Result<Option<String>> {
    if identity::host_admin_exists(auth.db.reads()).await? {
        return Ok(None);
    }
    let minted = tokens::mint("");
    let mut tx = auth.db.begin().await?;
    storage::replace_setup_token(&mut tx, &minted.hash, SETUP_LINK_TTL_SECS).await?;
    tx.commit().await?;
    Ok(Some(auth.public_url.link(&format!("setup/{}", minted.secret))))
}

pub async fn setup_status(db: &Db, token: &str) -> Result<SetupStatus> {
    let valid = tokens::looks_valid(token, "") && storage::setup_token_is_live(db.reads(), &tokens::hash(token)).await?;
    Ok(SetupStatus { valid, host_name: None })
}

/// Creates the first host admin from a setup link, once, and signs them in.
pub async fn complete_setup(auth: &Auth, token: &str, req: &SetupRequest, source: IpAddr) -> Result<(Me, NewSession)> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    let password = fields.check("password", NewPassword::parse(&req.password));
    fields.into_result()?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));

    let gone = || Failure::new(ErrorCode::Gone, "this setup link has been used or has expired");
    if !tokens::looks_valid(token, "") {
        return Err(gone());
    }
    if !storage::setup_token_is_live(auth.db.reads(), &tokens::hash(token)).await? {
        return Err(gone());
    }
    let hash = auth.passwords.hash(password.expose()).await?;
    let mut tx = auth.db.begin().await?;
    if !storage::consume_setup_token(&mut tx, &tokens::hash(token)).await? {
        return Err(gone());
    }
    // Only an address someone was given by the CLI or an invitation can be taken here.
    let id = identity::insert(&mut *tx, &email, Role::HostAdmin, None, Some(&hash), None)
        .await?
        .map_err(|_| Failure(ApiError::new(ErrorCode::Conflict, "a user with this email already exists").with_field("email", "already in use")))?;
    let admin = identity::User { id, email: email.clone(), role: Role::HostAdmin, account_id: None, password_hash: None, disabled: false, language: None };
    audit::record(&mut *tx, Entry::new(Actor::person(Some(id), admin.email.as_str(), Via::Link, source), AuditAction::SetupCompleted)).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, "first host admin created from the setup link");
    let session = start_session(&auth.db, id).await?;
    Ok((admin.me(), session))
}

/// A bearer token acting as the user with `email` (the operator's CLI,
/// audited as `cli`); only its hash is kept.
pub async fn create_api_token(db: &Db, operator: &Operator, email: &str, req: &NewApiToken) -> Result<CreatedApiToken> {
    let req = req.parse()?;
    let user = identity::find_by_email(db.reads(), email).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, format!("no user with email {email}")))?;
    let created = super::api_tokens::mint_for(db, &user, &req).await?;
    super::api_tokens::audit_created(db, operator.actor(), &created).await?;
    Ok(created)
}
