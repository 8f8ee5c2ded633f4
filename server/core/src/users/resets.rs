//! Password resets: a host admin makes a link for a user, or a user asks for
//! one by email ("Forgot password"). Using a link sets the new password and
//! ends the user's other sessions.

use super::links::{self, Purpose};
use super::mailing::issue_link;
use super::Users;
use crate::audit::{self, Entry};
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::identity;
use crate::storage::now;
use shared::api::{ErrorCode, UserStatus};
use shared::audit::AuditAction;
use shared::invite::{EmailDelivery, LinkStatus, ResetLink};
use shared::{ApiError, NewPassword};

/// One "forgot password" email per user per this many seconds, so the form
/// cannot be used to flood someone's inbox.
const FORGOT_SPACING_SECS: i64 = 60;

/// A reset link for an active user, made by a host admin (emailed when SMTP is on).
pub async fn admin_link(users: &Users, caller: &Caller, user_id: i64) -> Result<ResetLink> {
    let scope = caller.manages()?;
    let user = identity::find_by_id(users.db.reads(), user_id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such user"))?;
    scope.require(user.role, user.account_id)?;
    if user.status() != UserStatus::Active {
        return Err(Failure::new(ErrorCode::Conflict, "this user has not accepted the invitation yet; generate a new invite link instead"));
    }
    let mut tx = users.db.begin().await?;
    audit::record(&mut *tx, Entry::by(&caller.user, AuditAction::PasswordResetIssued).target(user.email.as_str())).await?;
    let link = issue_link(users, tx, &user, Purpose::Reset, caller.user.email.as_str()).await?;
    tracing::info!(by = %caller.user.email, user_id, email = ?link.delivery, "password reset link made");
    Ok(ResetLink { reset_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// "Forgot password". The caller learns nothing: the answer is the same
/// whether or not the address exists. An email goes out only for an active
/// user while SMTP is on; with SMTP off, a host admin makes the link.
pub async fn forgot(users: &Users, email: &str) -> Result<()> {
    let Some(user) = identity::find_by_email(users.db.reads(), email).await?.filter(|u| u.status() == UserStatus::Active) else {
        return Ok(());
    };
    if !crate::smtp::service::is_enabled(users.db.reads()).await? {
        return Ok(());
    }
    let mut tx = users.db.begin().await?;
    // Claimed in the transaction that queues the email, so that of many
    // requests at once exactly one gets through (and none if this rolls back).
    if !identity::claim_reset_request(&mut tx, user.id, now(), FORGOT_SPACING_SECS).await? {
        return Ok(());
    }
    let link = issue_link(users, tx, &user, Purpose::Reset, "").await?;
    if link.delivery == EmailDelivery::Queued {
        tracing::info!(user_id = user.id, "password reset email queued");
    }
    Ok(())
}

pub async fn status(users: &Users, secret: &str) -> Result<LinkStatus> {
    Ok(LinkStatus {
        valid: links::live_user(users.db.reads(), secret, Purpose::Reset).await?.is_some(),
        smtp_enabled: crate::smtp::service::is_enabled(users.db.reads()).await?,
    })
}

/// Sets the new password, once. Whoever knew the old one is locked out: the
/// user's sessions end and their API tokens are revoked.
pub async fn reset(users: &Users, secret: &str, password: &str) -> Result<()> {
    let password = NewPassword::parse(password).map_err(|e| Failure(ApiError::validation("some fields need fixing").with_field("password", e)))?;
    let gone = || Failure::new(ErrorCode::Gone, "this reset link has been used or has expired");
    let user_id = links::live_user(users.db.reads(), secret, Purpose::Reset).await?.ok_or_else(gone)?;
    let user = identity::find_by_id(users.db.reads(), user_id).await?.ok_or_else(gone)?;
    let hash = users.passwords.hash(password.expose()).await?;
    let mut tx = users.db.begin().await?;
    if links::consume(&mut tx, secret, Purpose::Reset).await? != Some(user.id) {
        return Err(gone());
    }
    identity::set_password(&mut tx, user.id, &hash).await?;
    crate::auth::storage::delete_sessions_of(&mut tx, user.id).await?;
    let tokens = crate::auth::storage::delete_api_tokens_of(&mut tx, user.id).await?;
    // A stranger's failed guesses no longer count against the new password.
    crate::auth::throttle::forget_account(&mut tx, user.email.as_str()).await?;
    let revoked = format!("{tokens} API token(s) revoked");
    audit::record(&mut *tx, Entry::by(&user, AuditAction::PasswordReset).detail(&revoked)).await?;
    tx.commit().await?;
    tracing::info!(user_id, tokens_revoked = tokens, "password reset");
    Ok(())
}
