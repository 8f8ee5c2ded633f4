//! Invitations: a host admin invites a user by email; the user accepts from
//! the link, choosing a password. Behind both the REST routes and the
//! dashboard's server functions.

use super::links::{self, Purpose};
use super::mailing::issue_link;
use crate::auth::service::NewSession;
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::identity::{self, User};
use crate::state::AppState;
use shared::api::{ErrorCode, FieldErrors, Me, UserStatus};
use shared::invite::{AcceptInvitation, EmailDelivery, InvitationCreated, InvitationLink, InviteRequest, LinkStatus};
use shared::{ApiError, EmailAddress, NewPassword};

pub async fn invite(state: &AppState, caller: &Caller, req: &InviteRequest) -> Result<InvitationCreated> {
    caller.require_host_admin()?;
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    super::service::check_account_for_role(&mut fields, req.role, req.account_id);
    fields.into_result()?;
    super::service::require_account(state, req.account_id).await?;
    let email = email.expect("checked");

    let mut tx = state.db.begin().await?;
    let id = identity::insert(&mut *tx, &email, req.role, req.account_id, None).await?;
    let user = User { id, email, role: req.role, account_id: req.account_id, password_hash: None };
    let link = issue_link(state, tx, &user, Purpose::Invite, caller.user.email.as_str()).await?;
    tracing::info!(by = %caller.user.email, user_id = id, role = %req.role, email = ?link.delivery, "user invited");
    let mut summary = user.summary();
    summary.last_email = (link.delivery == EmailDelivery::Queued).then_some(shared::outbox::EmailStatus::Queued);
    Ok(InvitationCreated { user: summary, invitation_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// A new link for a pending user; the previous one stops working at once.
pub async fn regenerate(state: &AppState, caller: &Caller, user_id: i64) -> Result<InvitationLink> {
    caller.require_host_admin()?;
    let user = identity::find_by_id(state.db.reads(), user_id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such user"))?;
    if user.status() != UserStatus::Pending {
        return Err(Failure::new(ErrorCode::Conflict, "this user has already accepted the invitation; make a password reset link instead"));
    }
    let tx = state.db.begin().await?;
    let link = issue_link(state, tx, &user, Purpose::Invite, caller.user.email.as_str()).await?;
    Ok(InvitationLink { invitation_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

pub async fn status(state: &AppState, secret: &str) -> Result<LinkStatus> {
    Ok(LinkStatus {
        valid: links::live_user(state.db.reads(), secret, Purpose::Invite).await?.is_some(),
        smtp_enabled: crate::smtp::service::is_enabled(state.db.reads()).await?,
    })
}

/// Signup: the address the link was made for, and a password. Then signed in.
pub async fn accept(state: &AppState, secret: &str, req: &AcceptInvitation) -> Result<(Me, NewSession)> {
    let gone = || Failure::new(ErrorCode::Gone, "this invitation link has been used, replaced or has expired");
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    let password = fields.check("password", NewPassword::parse(&req.password));
    fields.into_result()?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));

    let user_id = links::live_user(state.db.reads(), secret, Purpose::Invite).await?.ok_or_else(gone)?;
    let user = identity::find_by_id(state.db.reads(), user_id).await?.ok_or_else(gone)?;
    if user.email != email {
        return Err(ApiError::validation("some fields need fixing").with_field("email", "this is not the address the invitation was sent to").into());
    }
    let hash = state.passwords.hash(password.expose()).await?;
    let mut tx = state.db.begin().await?;
    if links::consume(&mut tx, secret, Purpose::Invite).await? != Some(user.id) {
        return Err(gone());
    }
    identity::set_password(&mut tx, user.id, &hash).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "invitation accepted");
    let session = crate::auth::service::start_session(state, user.id).await?;
    Ok((user.me(), session))
}
