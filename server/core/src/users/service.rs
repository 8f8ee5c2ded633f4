//! Users and accounts: the operations behind the REST routes, the server
//! functions and the CLI. Role checks live here so every door gets them.

use super::Users;
use crate::audit::{self, Entry};
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::identity::{self, Account, Taken};
use crate::passwords::PasswordHasher;
use crate::storage::Db;
use shared::account::{AccountName, AccountRequest};
use shared::api::{AccountSummary, ApiError, ErrorCode, FieldErrors, UserStatus, UserSummary};
use shared::audit::AuditAction;
use shared::{EmailAddress, NewPassword, Role};

pub async fn list_users(users: &Users, caller: &Caller) -> Result<Vec<UserSummary>> {
    caller.require_host_admin()?;
    let last_email = crate::outbox::storage::last_state_by_user(users.db.reads()).await?;
    Ok(identity::list(users.db.reads()).await?.iter().map(|u| UserSummary { last_email: last_email.get(&u.id).copied(), ..u.summary() }).collect())
}

pub async fn list_accounts(users: &Users, caller: &Caller) -> Result<Vec<AccountSummary>> {
    caller.require_host_admin()?;
    Ok(identity::list_accounts(users.db.reads()).await?.into_iter().map(summary).collect())
}

pub async fn create_account(users: &Users, caller: &Caller, req: &AccountRequest) -> Result<AccountSummary> {
    caller.require_host_admin()?;
    let name = parse_account_name(req)?;
    let account = identity::insert_account(users.db.writes(), name.as_str()).await?.map_err(name_in_use)?;
    audit::record(users.db.writes(), Entry::by(&caller.user, AuditAction::AccountCreated).target(&account.name)).await?;
    Ok(summary(account))
}

pub async fn rename_account(users: &Users, caller: &Caller, id: i64, req: &AccountRequest) -> Result<AccountSummary> {
    caller.require_host_admin()?;
    let name = parse_account_name(req)?;
    let account = identity::rename_account(users.db.writes(), id, name.as_str()).await?.map_err(name_in_use)?;
    let account = account.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such account"))?;
    let detail = format!("account {id}");
    audit::record(users.db.writes(), Entry::by(&caller.user, AuditAction::AccountRenamed).target(&account.name).detail(&detail)).await?;
    Ok(summary(account))
}

fn summary(account: Account) -> AccountSummary {
    AccountSummary { id: account.id, name: account.name }
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
/// request is well-formed; what it refers to is missing).
pub async fn require_account(db: &Db, account_id: Option<i64>) -> Result<()> {
    match account_id {
        Some(id) if !identity::account_exists(db.reads(), id).await? => {
            Err(ApiError::new(ErrorCode::NotFound, "no such account").with_field("account_id", "no such account").into())
        }
        _ => Ok(()),
    }
}

/// Creates an active user with a password (the operator's CLI; people normally arrive by invitation).
pub async fn create_active_user(db: &Db, passwords: &PasswordHasher, email: &str, role: Role, account_id: Option<i64>, password: &str) -> Result<UserSummary> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(email));
    let password = fields.check("password", NewPassword::parse(password));
    check_account_for_role(&mut fields, role, account_id);
    fields.into_result()?;
    require_account(db, account_id).await?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));
    let hash = passwords.hash(password.expose()).await?;
    let id = identity::insert(db.writes(), &email, role, account_id, Some(&hash)).await?.map_err(email_in_use)?;
    Ok(UserSummary { id, email, role, account_id, status: UserStatus::Active, last_email: None })
}
