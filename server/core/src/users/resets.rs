//! Password resets: a host admin makes a link for a user, or a user asks for
//! one by email ("Forgot password"). Using a link sets the new password and
//! ends the user's other sessions.

use super::links::{self, Purpose};
use super::mailing::issue_link;
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::identity;
use crate::state::AppState;
use crate::storage::now;
use shared::api::{ErrorCode, UserStatus};
use shared::invite::{EmailDelivery, LinkStatus, ResetLink};
use shared::{ApiError, NewPassword};

/// One "forgot password" email per user per this many seconds, so the form
/// cannot be used to flood someone's inbox.
const FORGOT_SPACING_SECS: i64 = 60;

/// A reset link for an active user, made by a host admin (emailed when SMTP is on).
pub async fn admin_link(state: &AppState, caller: &Caller, user_id: i64) -> Result<ResetLink> {
    caller.require_host_admin()?;
    let user = identity::find_by_id(state.db.reads(), user_id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such user"))?;
    if user.status() != UserStatus::Active {
        return Err(Failure::new(ErrorCode::Conflict, "this user has not accepted the invitation yet; generate a new invite link instead"));
    }
    let tx = state.db.begin().await?;
    let link = issue_link(state, tx, &user, Purpose::Reset, caller.user.email.as_str()).await?;
    tracing::info!(by = %caller.user.email, user_id, email = ?link.delivery, "password reset link made");
    Ok(ResetLink { reset_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// "Forgot password". The caller learns nothing: the answer is the same
/// whether or not the address exists. An email goes out only for an active
/// user while SMTP is on; with SMTP off, a host admin makes the link.
pub async fn forgot(state: &AppState, email: &str) -> Result<()> {
    let Some(user) = identity::find_by_email(state.db.reads(), email).await?.filter(|u| u.status() == UserStatus::Active) else {
        return Ok(());
    };
    if !crate::smtp::service::is_enabled(state.db.reads()).await? {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    // Claimed in the transaction that queues the email, so that of many
    // requests at once exactly one gets through (and none if this rolls back).
    if !identity::claim_reset_request(&mut tx, user.id, now(), FORGOT_SPACING_SECS).await? {
        return Ok(());
    }
    let link = issue_link(state, tx, &user, Purpose::Reset, "").await?;
    if link.delivery == EmailDelivery::Queued {
        tracing::info!(user_id = user.id, "password reset email queued");
    }
    Ok(())
}

pub async fn status(state: &AppState, secret: &str) -> Result<LinkStatus> {
    Ok(LinkStatus {
        valid: links::live_user(state.db.reads(), secret, Purpose::Reset).await?.is_some(),
        smtp_enabled: crate::smtp::service::is_enabled(state.db.reads()).await?,
    })
}

/// Sets the new password, once, and signs the user out everywhere.
pub async fn reset(state: &AppState, secret: &str, password: &str) -> Result<()> {
    let password = NewPassword::parse(password).map_err(|e| Failure(ApiError::validation("some fields need fixing").with_field("password", e)))?;
    let gone = || Failure::new(ErrorCode::Gone, "this reset link has been used or has expired");
    links::live_user(state.db.reads(), secret, Purpose::Reset).await?.ok_or_else(gone)?;
    let hash = state.passwords.hash(password.expose()).await?;
    let mut tx = state.db.begin().await?;
    let user_id = links::consume(&mut tx, secret, Purpose::Reset).await?.ok_or_else(gone)?;
    identity::set_password(&mut tx, user_id, &hash).await?;
    crate::auth::storage::delete_sessions_of(&mut tx, user_id).await?;
    tx.commit().await?;
    tracing::info!(user_id, "password reset");
    Ok(())
}
