//! Users and accounts: the operations behind the REST routes, the server
//! functions and the CLI. Role checks live here so every door gets them:
//! what a caller sees and manages is a `Scope` the caller hands out
//! (`Caller::sees`, `Caller::manages`), everyone's for host admins, one
//! account's for account admins.

use super::Users;
use crate::audit::{self, Entry};
use crate::auth::{Caller, HostAdmin, Manager};
use crate::error::{Failure, Result};
use crate::identity::{self, Account, Taken};
use crate::operator::Operator;
use crate::passwords::PasswordHasher;
use crate::storage::Db;
use shared::account::{AccountName, AccountRequest, AccountUpdate, SenderTest};
use shared::api::{AccountDetail, AccountSummary, ApiError, ErrorCode, FieldErrors, Page, UserFilter, UserStatus, UserSummary, UserUpdate};
use shared::audit::AuditAction;
use shared::smtp::TestReport;
use shared::{EmailAddress, NewPassword, Role};

/// A page of the users the caller may see (everyone for host roles, their
/// own account's for account roles), by address, after `cursor` (the last
/// address of the previous page). Pending users whose invitation email has
/// not gone out say so, with the link for those who may manage them.
pub async fn list_users(users: &Users, caller: &Caller, filter: &UserFilter, cursor: Option<&str>, limit: Option<i64>) -> Result<Page<UserSummary>> {
    let scope = caller.sees();
    let limit = crate::paging::size(limit)?;
    crate::paging::text("q", filter.q.as_deref())?;
    crate::paging::text("cursor", cursor)?;
    let rows = identity::page(&users.db, scope.account(), filter, cursor.filter(|c| !c.is_empty()), limit + 1).await?;
    let (rows, more) = crate::paging::split(rows, limit);
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let last_email = crate::outbox::storage::last_state_of(users.db.reads(), &ids).await?;
    let mut unsent = super::invitations::unsent(users, caller, &rows).await?;
    let next_cursor = more.then(|| rows.last().map(|u| u.email.to_string())).flatten();
    let items: Vec<UserSummary> =
        rows.iter().map(|u| UserSummary { last_email: last_email.get(&u.id).copied(), invitation: unsent.remove(&u.id), ..u.summary() }).collect();
    Ok(Page { items, next_cursor })
}

/// The accounts the caller may see: all for host roles, their own for account roles.
pub async fn list_accounts(users: &Users, caller: &Caller) -> Result<Vec<AccountSummary>> {
    let scope = caller.sees();
    Ok(identity::list_accounts(users.db.reads(), scope.account()).await?.into_iter().map(summary).collect())
}

/// Changes a user's role, account or disabled state, within the caller's
/// scope, on both sides of the change: an account admin can neither reach
/// a host user nor make anyone a host user or move them to another account.
/// The last active host admin can be neither demoted nor disabled (409).
///
/// The user is read on the changing transaction (locked on PostgreSQL), so
/// the checks and the write see the same row. A link never carries more than
/// its user has now: when the role, the account or the disabled state
/// changes, every live link of theirs dies (410) and their queued link
/// emails are cancelled; disabling also revokes their API tokens.
pub async fn update_user(users: &Users, manager: Manager<'_>, id: i64, change: &UserUpdate) -> Result<UserSummary> {
    let scope = manager.scope();
    if change.role.is_none() && change.account_id.is_some() {
        return Err(ApiError::validation("some fields need fixing").with_field("role", "send the role together with the account").into());
    }
    let mut tx = users.db.begin().await?;
    let user = identity::lock_for_change(&mut tx, users.db.engine, id).await?.ok_or_else(no_such_user)?;
    scope.require(user.role, user.account_id)?;
    // A new role comes with its account (none for a host role), said outright.
    let (role, account_id) = match change.role {
        Some(role) => (role, change.account_id),
        None => (user.role, user.account_id),
    };
    let mut fields = FieldErrors::default();
    check_account_for_role(&mut fields, role, account_id);
    fields.into_result()?;
    scope.require(role, account_id)?;
    require_account(&mut *tx, account_id).await?;
    let disabled = change.disabled.unwrap_or(user.disabled);

    let stays_active_admin = role == Role::HostAdmin && !disabled;
    if user.role == Role::HostAdmin
        && user.status() == UserStatus::Active
        && !stays_active_admin
        && identity::other_active_host_admins(&mut tx, user.id).await? == 0
    {
        return Err(last_admin());
    }
    identity::update(&mut tx, user.id, role, account_id, disabled).await?;
    let target = user.email.as_str();
    let moved = role != user.role || account_id != user.account_id;
    if moved {
        let detail = format!("{} → {}{}", user.role, role, account_id.map(|a| format!(", account {a}")).unwrap_or_default());
        audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::UserUpdated).target(target).detail(&detail)).await?;
    }
    if disabled != user.disabled {
        let revoked = if disabled { crate::auth::storage::delete_api_tokens_of(&mut tx, user.id).await? } else { 0 };
        let (action, detail) =
            if disabled { (AuditAction::UserDisabled, format!("{revoked} API token(s) revoked")) } else { (AuditAction::UserEnabled, String::new()) };
        audit::record(&mut *tx, Entry::new(manager.actor(), action).target(target).detail(&detail)).await?;
    }
    if moved || disabled != user.disabled {
        kill_links(&mut tx, user.id, "cancelled: the user's role, account or state changed, so the link it carried no longer works").await?;
    }
    tx.commit().await?;
    tracing::info!(by = %manager.user.email, user_id = id, %role, disabled, "user changed");
    let changed = identity::User { role, account_id, disabled, ..user };
    Ok(changed.summary())
}

/// Removes a user within the caller's scope, read and locked on the deleting
/// transaction; their links, sessions and tokens go with them, and their
/// queued link emails are cancelled. The last active host admin stays (409).
pub async fn delete_user(users: &Users, manager: Manager<'_>, id: i64) -> Result<()> {
    let scope = manager.scope();
    let mut tx = users.db.begin().await?;
    let user = identity::lock_for_change(&mut tx, users.db.engine, id).await?.ok_or_else(no_such_user)?;
    scope.require(user.role, user.account_id)?;
    if user.role == Role::HostAdmin && user.status() == UserStatus::Active && identity::other_active_host_admins(&mut tx, user.id).await? == 0 {
        return Err(last_admin());
    }
    kill_links(&mut tx, user.id, "cancelled: the user was removed").await?;
    if !identity::delete(&mut tx, user.id).await? {
        return Err(no_such_user());
    }
    audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::UserDeleted).target(user.email.as_str()).detail(user.role.as_str())).await?;
    tx.commit().await?;
    tracing::info!(by = %manager.user.email, user_id = id, "user removed");
    Ok(())
}

/// Every live link of the user dies, and the emails carrying them are cancelled (`why`).
async fn kill_links(tx: &mut crate::storage::Tx, user_id: i64, why: &str) -> Result<()> {
    let links = super::links::revoke_all(tx, user_id).await?;
    let emails = crate::outbox::storage::cancel_link_emails_of(tx, user_id, why).await?;
    if links + emails > 0 {
        tracing::info!(user_id, links, emails, "the user's links were revoked");
    }
    Ok(())
}

fn no_such_user() -> Failure {
    Failure::new(ErrorCode::NotFound, "no such user")
}

fn last_admin() -> Failure {
    Failure::new(ErrorCode::Conflict, "this is the last active host admin: make another one first")
}

pub async fn create_account(users: &Users, admin: HostAdmin<'_>, req: &AccountRequest) -> Result<AccountSummary> {
    let name = parse_account_name(req)?;
    let account = identity::insert_account(users.db.writes(), name.as_str()).await?.map_err(name_in_use)?;
    audit::record(users.db.writes(), Entry::new(admin.actor(), AuditAction::AccountCreated).target(&account.name)).await?;
    Ok(summary(account))
}

/// An account's page, for host admins and the account's own admins: the
/// account, and whether the caller may change its sender.
pub async fn account_detail(users: &Users, manager: Manager<'_>, id: i64) -> Result<AccountDetail> {
    manager.scope().require(Role::AccountAdmin, Some(id))?;
    let account = identity::account(users.db.reads(), id).await?.ok_or_else(no_such_account)?;
    let policy = super::sender_policy::current(users.db.reads(), &users.emails.account_sender_domains).await?;
    let may_set_sender = manager.user.role.can_manage_host() || policy.admins_may_set;
    Ok(AccountDetail { account: summary(account), may_set_sender, sender_domains: policy.domains.as_slice().to_vec() })
}

/// Changes an account's name, its own sender, or both (what `change` leaves
/// out stays). Renaming is the host admins'; the sender, host admins' for
/// any account and an account's admins' for their own when the host allows
/// it (`sender_policy`; 403 otherwise). A sender's addresses must be on the
/// host's allowed domains (422 naming the field). On one transaction, each
/// change audited.
pub async fn update_account(users: &Users, manager: Manager<'_>, id: i64, change: &AccountUpdate) -> Result<AccountSummary> {
    // An account's admin manages that account: the same scope decides.
    manager.scope().require(Role::AccountAdmin, Some(id))?;
    let host_admin = manager.user.role.can_manage_host();
    if change.name.is_some() && !host_admin {
        return Err(Failure::new(ErrorCode::Forbidden, "only host admins rename accounts"));
    }
    let name = change
        .name
        .as_deref()
        .map(|name| AccountName::parse(name).map_err(|e| ApiError::validation("the name needs fixing").with_field("name", e)))
        .transpose()?;
    let mut tx = users.db.begin().await?;
    let policy = super::sender_policy::current(&mut *tx, &users.emails.account_sender_domains).await?;
    if change.sender.is_some() && !host_admin && !policy.admins_may_set {
        return Err(Failure::new(ErrorCode::Forbidden, "the host does not let account admins set their account's sender; ask a host admin"));
    }
    let sender = match &change.sender {
        Some(Some(sender)) => Some(Some(sender.parse(&policy.domains)?)),
        Some(None) => Some(None),
        None => None,
    };
    let before = identity::lock_account(&mut tx, users.db.engine, id).await?.ok_or_else(no_such_account)?;
    let mut current = before.clone();
    if let Some(name) = &name {
        identity::rename_account(&mut tx, id, name.as_str()).await?.map_err(name_in_use)?;
        let detail = format!("account {id}, was {before}");
        audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::AccountRenamed).target(name.as_str()).detail(&detail)).await?;
        current = name.as_str().to_owned();
    }
    if let Some(sender) = &sender {
        identity::set_account_sender(&mut tx, id, sender.as_ref()).await?;
        let detail = match sender {
            Some(s) => format!(
                "account {id}: from \"{}\" <{}>{}",
                s.from_name.as_str(),
                s.from_email,
                s.reply_to.as_ref().map(|r| format!(", reply to {r}")).unwrap_or_default()
            ),
            None => format!("account {id}: removed; its emails say the host's From"),
        };
        audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::AccountSenderChanged).target(&current).detail(&detail)).await?;
    }
    let account = identity::account(&mut *tx, id).await?.ok_or_else(no_such_account)?;
    tx.commit().await?;
    tracing::info!(by = %manager.user.email, account_id = id, renamed = name.is_some(), sender = sender.is_some(), "account changed");
    Ok(summary(account))
}

/// "Send a test email from this account's sender", to the asker's own
/// address: host admins for any account, an account's admins for their own
/// (whether or not they may change it). The form's sender when given
/// (checked as a save would; only for callers who may save one), else the
/// saved one (409 without one).
pub async fn test_account_sender(users: &Users, smtp: &crate::smtp::Smtp, manager: Manager<'_>, id: i64, req: &SenderTest) -> Result<TestReport> {
    manager.scope().require(Role::AccountAdmin, Some(id))?;
    let account = identity::account(users.db.reads(), id).await?.ok_or_else(no_such_account)?;
    let policy = super::sender_policy::current(users.db.reads(), &users.emails.account_sender_domains).await?;
    // Trying a sender not saved is for whoever may save one.
    if req.sender.is_some() && !manager.user.role.can_manage_host() && !policy.admins_may_set {
        return Err(Failure::new(ErrorCode::Forbidden, "the host does not let account admins set their account's sender: test the saved one"));
    }
    let sender = match (&req.sender, &account.sender) {
        (Some(sender), _) | (None, Some(sender)) => sender.parse(&policy.domains)?,
        (None, None) => return Err(Failure::new(ErrorCode::Conflict, "this account has no sender of its own: fill in the form or save one")),
    };
    crate::smtp::service::send_test_as(smtp, &manager, &account.name, &sender).await
}

fn no_such_account() -> Failure {
    Failure::new(ErrorCode::NotFound, "no such account")
}

/// Deletes an account and every user in it: host admins any account,
/// account admins their own (the scope they manage; 403 for another). On
/// one transaction, the account's row read (and locked on PostgreSQL)
/// first: each user's live links die and their queued emails are
/// cancelled, then the users go, and with them their sessions, tokens and
/// links; the audit log keeps the record (who, the account, how many users).
pub async fn delete_account(users: &Users, manager: Manager<'_>, id: i64) -> Result<()> {
    // An account's admin manages that account's roles: the same scope decides.
    manager.scope().require(Role::AccountAdmin, Some(id))?;
    let mut tx = users.db.begin().await?;
    let name = identity::lock_account(&mut tx, users.db.engine, id).await?.ok_or_else(no_such_account)?;
    for member in identity::account_members(&mut tx, id).await? {
        kill_links(&mut tx, member, "cancelled: the user's account was deleted").await?;
    }
    let removed = identity::delete_account(&mut tx, id).await?;
    let detail = format!("account {id}, {removed} user(s) removed with it");
    audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::AccountDeleted).target(&name).detail(&detail)).await?;
    tx.commit().await?;
    tracing::info!(by = %manager.user.email, account_id = id, users = removed, "account deleted");
    Ok(())
}

fn summary(account: Account) -> AccountSummary {
    AccountSummary { id: account.id, name: account.name, sender: account.sender }
}

fn name_in_use(_: Taken) -> Failure {
    ApiError::new(ErrorCode::Conflict, "an account with this name already exists").with_field("name", "already in use").into()
}

/// 409 for an address another user has (active or invited).
pub(crate) fn email_in_use(_: Taken) -> Failure {
    ApiError::new(ErrorCode::Conflict, "a user with this email already exists").with_field("email", "already in use").into()
}

fn parse_account_name(req: &AccountRequest) -> Result<AccountName> {
    AccountName::parse(&req.name).map_err(|e| ApiError::validation("the name needs fixing").with_field("name", e).into())
}

/// Account roles belong to an account; host roles to none (a 422 with the other fields).
pub fn check_account_for_role(fields: &mut FieldErrors, role: Role, account_id: Option<i64>) {
    match (role.needs_account(), account_id) {
        (true, None) => fields.add("account_id", "choose the account this user belongs to"),
        (false, Some(_)) => fields.add("account_id", "host roles belong to no account"),
        _ => {}
    }
}

/// The account a new user joins exists: 404 naming the field otherwise (the
/// request is well-formed; what it refers to is missing). Read on a pool, or
/// on the transaction about to write the user.
pub async fn require_account<'c, E>(executor: E, account_id: Option<i64>) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    match account_id {
        Some(id) if !identity::account_exists(executor, id).await? => {
            Err(ApiError::new(ErrorCode::NotFound, "no such account").with_field("account_id", "no such account").into())
        }
        _ => Ok(()),
    }
}

/// Creates an active user with a password, for the operator (audited as
/// `cli`, or `provisioning` at start); people normally arrive by invitation.
pub async fn create_active_user(
    db: &Db,
    passwords: &PasswordHasher,
    operator: &Operator,
    email: &str,
    role: Role,
    account_id: Option<i64>,
    password: &str,
) -> Result<UserSummary> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(email));
    let password = fields.check("password", NewPassword::parse(password));
    check_account_for_role(&mut fields, role, account_id);
    fields.into_result()?;
    require_account(db.reads(), account_id).await?;
    let (Some(email), Some(password)) = (email, password) else { return Err(ApiError::validation("some fields need fixing").into()) };
    let hash = passwords.hash(password.expose()).await?;
    let mut tx = db.begin().await?;
    let id = identity::insert(&mut *tx, &email, role, account_id, Some(&hash), None).await?.map_err(email_in_use)?;
    let detail = match account_id {
        Some(account) => format!("role {role}, account {account}"),
        None => format!("role {role}"),
    };
    audit::record(&mut *tx, Entry::new(operator.actor(), AuditAction::UserCreated).target(email.as_str()).detail(&detail)).await?;
    tx.commit().await?;
    Ok(UserSummary { id, email, role, account_id, status: UserStatus::Active, last_email: None, invitation: None })
}
