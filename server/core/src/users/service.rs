//! Users and accounts: the operations behind the REST routes, the server
//! functions and the CLI. Role checks live here so every door gets them.

use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::identity;
use crate::state::AppState;
use shared::account::{AccountName, AccountRequest};
use shared::api::{AccountSummary, ApiError, ErrorCode, FieldErrors, UserStatus, UserSummary};
use shared::{EmailAddress, NewPassword, Role};

pub async fn list_users(state: &AppState, caller: &Caller) -> Result<Vec<UserSummary>> {
    caller.require_host_admin()?;
    let last_email = crate::outbox::storage::last_state_by_user(state.db.reads()).await?;
    Ok(identity::list(state.db.reads()).await?.iter().map(|u| UserSummary { last_email: last_email.get(&u.id).copied(), ..u.summary() }).collect())
}

pub async fn list_accounts(state: &AppState, caller: &Caller) -> Result<Vec<AccountSummary>> {
    caller.require_host_admin()?;
    identity::list_accounts(state.db.reads()).await
}

pub async fn create_account(state: &AppState, caller: &Caller, req: &AccountRequest) -> Result<AccountSummary> {
    caller.require_host_admin()?;
    let name = parse_account_name(req)?;
    identity::insert_account(state.db.writes(), name.as_str()).await
}

pub async fn rename_account(state: &AppState, caller: &Caller, id: i64, req: &AccountRequest) -> Result<AccountSummary> {
    caller.require_host_admin()?;
    let name = parse_account_name(req)?;
    identity::rename_account(state.db.writes(), id, name.as_str()).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such account"))
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
pub async fn require_account(state: &AppState, account_id: Option<i64>) -> Result<()> {
    match account_id {
        Some(id) if !identity::account_exists(state.db.reads(), id).await? => {
            Err(ApiError::new(ErrorCode::NotFound, "no such account").with_field("account_id", "no such account").into())
        }
        _ => Ok(()),
    }
}

/// Creates an active user with a password (the operator's CLI; people normally arrive by invitation).
pub async fn create_active_user(state: &AppState, email: &str, role: Role, account_id: Option<i64>, password: &str) -> Result<UserSummary> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(email));
    let password = fields.check("password", NewPassword::parse(password));
    check_account_for_role(&mut fields, role, account_id);
    fields.into_result()?;
    require_account(state, account_id).await?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));
    let hash = state.passwords.hash(password.expose()).await?;
    let id = identity::insert(state.db.writes(), &email, role, account_id, Some(&hash)).await?;
    Ok(UserSummary { id, email, role, account_id, status: UserStatus::Active, last_email: None })
}
