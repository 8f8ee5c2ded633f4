//! Invitations: a host admin invites a user by email; the user accepts from
//! the link, choosing a password. Behind both the REST routes and the
//! dashboard's server functions.

use super::links::{self, Purpose};
use super::mailing::issue_link;
use super::Users;
use crate::audit::{self, Actor, Entry, Via};
use crate::auth::service::NewSession;
use crate::auth::{Caller, Manager};
use crate::error::{Failure, Result};
use crate::identity::{self, User};
use shared::api::{DeadLink, ErrorCode, FieldErrors, LinkEnd, Me, UnsentInvitation, UserStatus};
use shared::audit::AuditAction;
use shared::invite::{AcceptInvitation, EmailDelivery, InvitationCreated, InvitationInfo, InvitationLink, InviteRequest, Inviter, NamedAccount};
use shared::{ApiError, EmailAddress, NewPassword};
use std::net::IpAddr;

pub async fn invite(users: &Users, manager: Manager<'_>, req: &InviteRequest) -> Result<InvitationCreated> {
    let scope = manager.scope();
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    super::service::check_account_for_role(&mut fields, req.role, req.account_id);
    fields.into_result()?;
    // Account admins invite account roles into their own account only.
    scope.require(req.role, req.account_id)?;
    super::service::require_account(users.db.reads(), req.account_id).await?;
    let Some(email) = email else { return Err(ApiError::validation("some fields need fixing").into()) };

    let mut tx = users.db.begin().await?;
    // Their emails speak the language asked for, else the inviter's, else the instance's.
    let language = req.language.or(manager.user.language);
    let id = identity::insert(&mut *tx, &email, req.role, req.account_id, None, language).await?.map_err(super::service::email_in_use)?;
    let user = User { id, email, role: req.role, account_id: req.account_id, password_hash: None, disabled: false, language };
    let detail = match req.account_id {
        Some(account) => format!("role {}, account {account}", req.role),
        None => format!("role {}", req.role),
    };
    audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::UserInvited).target(user.email.as_str()).detail(&detail)).await?;
    let link = issue_link(users, tx, &user, Purpose::Invite, Some(manager.user.email.as_str())).await?;
    tracing::info!(by = %manager.user.email, user_id = id, role = %req.role, email = ?link.delivery, "user invited");
    let mut summary = user.summary();
    summary.last_email = (link.delivery == EmailDelivery::Queued).then_some(shared::outbox::EmailStatus::Queued);
    Ok(InvitationCreated { user: summary, invitation_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// A new link for a pending user; the previous one stops working at once.
pub async fn regenerate(users: &Users, manager: Manager<'_>, user_id: i64) -> Result<InvitationLink> {
    let scope = manager.scope();
    let user = identity::find_by_id(users.db.reads(), user_id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such user"))?;
    scope.require(user.role, user.account_id)?;
    if user.status() != UserStatus::Pending {
        return Err(Failure::new(ErrorCode::Conflict, "this user has already accepted the invitation; make a password reset link instead"));
    }
    let mut tx = users.db.begin().await?;
    audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::InvitationRegenerated).target(user.email.as_str())).await?;
    let link = issue_link(users, tx, &user, Purpose::Invite, Some(manager.user.email.as_str())).await?;
    Ok(InvitationLink { invitation_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// What a live invitation link is for (whom, as what, into which account,
/// from whom): what its email said, and nothing more, to whoever holds it.
/// 404 for a link never made (or swept a month after it expired); 410 for
/// one used, replaced, revoked or expired, saying which and whom to ask.
pub async fn status(users: &Users, secret: &str) -> Result<InvitationInfo> {
    let unknown = || Failure::new(ErrorCode::NotFound, "there is no such invitation link: check that it was copied whole");
    let link = links::describe(users.db.reads(), secret, Purpose::Invite).await?.ok_or_else(unknown)?;
    if let Some(gone) = ended(&link) {
        return Err(gone);
    }
    let user = identity::find_by_id(users.db.reads(), link.user_id).await?.ok_or_else(unknown)?;
    let account = match user.account_id {
        Some(id) => identity::account_name(users.db.reads(), id).await?.map(|name| NamedAccount { name }),
        None => None,
    };
    Ok(InvitationInfo {
        email: user.email.to_string(),
        role: user.role,
        account,
        invited_by: link.issued_by.map(|email| Inviter { email }),
        expires_at: link.expires_at,
    })
}

/// The 410 of a link that no longer works, saying why; `None` while it works.
fn ended(link: &links::Described) -> Option<Failure> {
    let (reason, message) = match link.ended {
        Some(links::Ended::Used) => (LinkEnd::Used, "this invitation has been accepted already: sign in instead"),
        Some(links::Ended::Replaced) => (LinkEnd::Replaced, "this invitation link was replaced by a newer one: use the newest email, or ask for a new link"),
        Some(links::Ended::Revoked) => (LinkEnd::Revoked, "this invitation was withdrawn: ask for a new one"),
        None if link.expires_at <= crate::storage::now() => (LinkEnd::Expired, "this invitation link has expired: ask for a new one"),
        None => return None,
    };
    let error = ApiError { link: Some(Box::new(DeadLink { reason, ask: link.issued_by.clone() })), ..ApiError::new(ErrorCode::Gone, message) };
    Some(Failure(error))
}

/// Why the link of `secret` cannot be accepted: its own 410 when it is known, else a plain one.
async fn why_gone(users: &Users, secret: &str) -> Failure {
    let gone = || Failure::new(ErrorCode::Gone, "this invitation link has been used, replaced or has expired");
    match links::describe(users.db.reads(), secret, Purpose::Invite).await {
        Ok(Some(link)) => ended(&link).unwrap_or_else(gone),
        Ok(None) => gone(),
        Err(e) => e,
    }
}

/// Signup: the address the link was made for, and a password. Then signed in.
/// The user is read again on the accepting transaction, after the link is
/// used up: whatever their row says then (never what it said when the link
/// was made) is what signs in, and a disabled user is refused.
pub async fn accept(users: &Users, secret: &str, req: &AcceptInvitation, source: IpAddr) -> Result<(Me, NewSession)> {
    let gone = || Failure::new(ErrorCode::Gone, "this invitation link has been used, replaced or has expired");
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(&req.email));
    let password = fields.check("password", NewPassword::parse(&req.password));
    fields.into_result()?;
    let (Some(email), Some(password)) = (email, password) else { return Err(ApiError::validation("some fields need fixing").into()) };
    let not_theirs = || Failure(ApiError::validation("some fields need fixing").with_field("email", "this is not the address the invitation was sent to"));

    // Checked before hashing (a wrong address costs no hash), and again below.
    let Some(user_id) = links::live_user(users.db.reads(), secret, Purpose::Invite).await? else { return Err(why_gone(users, secret).await) };
    let user = identity::find_by_id(users.db.reads(), user_id).await?.ok_or_else(gone)?;
    if user.email != email {
        return Err(not_theirs());
    }
    let hash = users.passwords.hash(password.expose()).await?;
    let mut tx = users.db.begin().await?;
    let consumed = links::consume(&mut tx, secret, Purpose::Invite).await?.ok_or_else(gone)?;
    let user = identity::find_by_id(&mut *tx, consumed).await?.ok_or_else(gone)?;
    if user.email != email {
        return Err(not_theirs());
    }
    if user.disabled {
        return Err(super::disabled());
    }
    identity::set_password(&mut tx, user.id, &hash).await?;
    let actor = Actor::person(Some(user.id), user.email.as_str(), Via::Link, source);
    audit::record(&mut *tx, Entry::new(actor, AuditAction::InvitationAccepted)).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "invitation accepted");
    let session = crate::auth::service::start_session(&users.db, user.id).await?;
    Ok((user.me(), session))
}

/// The invitations among `rows` (a page of the Users list) whose email has not
/// gone out while their link still works: the link travels in the email's
/// sealed `link_secret`, and is checked against `user_links`, so a link used,
/// replaced or expired is never offered. Only a manager of the user gets the
/// link (it is as good as the account); others who see the user see the state.
pub(crate) async fn unsent(users: &Users, caller: &Caller, rows: &[User]) -> Result<std::collections::HashMap<i64, UnsentInvitation>> {
    let mut found = std::collections::HashMap::new();
    let pending: Vec<i64> = rows.iter().filter(|u| u.status() == UserStatus::Pending).map(|u| u.id).collect();
    let emails = crate::outbox::storage::unsent_invitations_of(users.db.reads(), &pending).await?;
    let mut opened = Vec::new();
    for (user_id, state, sealed) in emails {
        // Emails queued before the secret was kept have none: nothing to offer.
        let Some(sealed) = sealed else { continue };
        // One that does not open (secret.key replaced; logged by the opening) costs its link, not the list.
        let Ok(secret) = crate::outbox::storage::open_link_secret(&users.key, &sealed) else { continue };
        opened.push((user_id, state, secret));
    }
    if opened.is_empty() {
        return Ok(found);
    }
    let secrets: Vec<String> = opened.iter().map(|(_, _, secret)| secret.clone()).collect();
    let live = links::live_users_of(users.db.reads(), &secrets, Purpose::Invite).await?;
    let held = !crate::smtp::service::is_enabled(users.db.reads()).await?;
    let manages = caller.manager().ok().map(|m| m.scope());
    for (user_id, state, secret) in opened {
        if live.get(&crate::tokens::hash(&secret)) != Some(&user_id) {
            continue;
        }
        let Some(user) = rows.iter().find(|u| u.id == user_id) else { continue };
        let may_share = manages.is_some_and(|scope| scope.covers(user.role, user.account_id));
        let link = may_share.then(|| users.public_url.link(&format!("invite/{secret}")));
        found.insert(user_id, UnsentInvitation { email: state, held: held && state.is_waiting(), link });
    }
    Ok(found)
}
