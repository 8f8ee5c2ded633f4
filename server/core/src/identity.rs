//! Who exists on the instance: the rows of `users` and `accounts`. The
//! bottom of the user-facing capabilities: `auth` reads users from here to
//! sign them in, and `users` (invitations, resets, accounts) manages them.

use crate::error::{Failure, Result};
use crate::storage::{changed_one, is_unique_violation, now};
use shared::api::{Me, UserStatus, UserSummary};
use shared::{EmailAddress, Role};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: EmailAddress,
    pub role: Role,
    pub account_id: Option<i64>,
    pub password_hash: Option<String>,
}

impl User {
    pub fn status(&self) -> UserStatus {
        if self.password_hash.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Pending
        }
    }

    pub fn me(&self) -> Me {
        Me { id: self.id, email: self.email.clone(), role: self.role, account_id: self.account_id }
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary { id: self.id, email: self.email.clone(), role: self.role, account_id: self.account_id, status: self.status(), last_email: None }
    }
}

pub const USER_COLUMNS: &str = "users.id, users.email, users.role, users.account_id, users.password_hash";

/// Reads a row selected with [`USER_COLUMNS`]. A row the schema's CHECKs should
/// have made impossible is reported, not papered over.
pub fn user_from_row(row: &AnyRow) -> Result<User> {
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: EmailAddress::parse(&email).map_err(|e| Failure::internal("stored email does not parse", e))?,
        role: Role::parse(&role).ok_or_else(|| Failure::internal("stored role is unknown", &role))?,
        account_id: row.try_get("account_id")?,
        password_hash: row.try_get("password_hash")?,
    })
}

/// The user with this address; `None` for an unknown or unparsable one.
pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<User>> {
    let Ok(email) = EmailAddress::parse(email) else { return Ok(None) };
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(&sql).bind(email.as_str()).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find_by_id(pool: &AnyPool, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn set_password(conn: &mut sqlx::AnyConnection, id: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Records a "forgot password" request for the user, unless one was recorded
/// less than `spacing_secs` ago: true for the request that may send an email.
pub async fn claim_reset_request(conn: &mut sqlx::AnyConnection, id: i64, now: i64, spacing_secs: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET reset_requested_at = $2 WHERE id = $1 AND (reset_requested_at IS NULL OR reset_requested_at <= $3)")
        .bind(id)
        .bind(now)
        .bind(now - spacing_secs)
        .execute(&mut *conn)
        .await?;
    Ok(changed_one(&done))
}

/// A write refused because another row already holds its unique value (a
/// user's email, an account's name). What to tell the caller is the
/// service's business; storage only says which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken;

/// Sorts a failed write into "taken" (the caller's to fix) and everything else.
fn unless_taken<T>(result: std::result::Result<T, sqlx::Error>) -> Result<std::result::Result<T, Taken>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(e) if is_unique_violation(&e) => Ok(Err(Taken)),
        Err(e) => Err(e.into()),
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub name: String,
}

pub async fn list(pool: &AnyPool) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(email)");
    sqlx::query(&sql).fetch_all(pool).await?.iter().map(user_from_row).collect()
}

pub async fn host_admin_exists(pool: &AnyPool) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'host_admin' AND password_hash IS NOT NULL").fetch_one(pool).await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Inserts a user: active with a password hash, or pending (invited) without
/// one. [`Taken`] when the address is.
pub async fn insert<'c, E>(
    executor: E,
    email: &EmailAddress,
    role: Role,
    account_id: Option<i64>,
    password_hash: Option<&str>,
) -> Result<std::result::Result<i64, Taken>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let inserted = sqlx::query("INSERT INTO users (email, password_hash, role, account_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(email.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(account_id)
        .bind(now())
        .fetch_one(executor)
        .await;
    match unless_taken(inserted)? {
        Ok(row) => Ok(Ok(row.try_get("id")?)),
        Err(taken) => Ok(Err(taken)),
    }
}

pub async fn list_accounts(pool: &AnyPool) -> Result<Vec<Account>> {
    let rows = sqlx::query("SELECT id, name FROM accounts ORDER BY lower(name)").fetch_all(pool).await?;
    rows.iter().map(|r| Ok(Account { id: r.try_get("id")?, name: r.try_get("name")? })).collect()
}

/// Creates an account; [`Taken`] when another has the same name (case-insensitively).
pub async fn insert_account(pool: &AnyPool, name: &str) -> Result<std::result::Result<Account, Taken>> {
    let inserted = sqlx::query("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now()).fetch_one(pool).await;
    match unless_taken(inserted)? {
        Ok(row) => Ok(Ok(Account { id: row.try_get("id")?, name: name.to_owned() })),
        Err(taken) => Ok(Err(taken)),
    }
}

/// Renames an account; `Ok(None)` when there is no such account, [`Taken`]
/// when another has the name.
pub async fn rename_account(pool: &AnyPool, id: i64, name: &str) -> Result<std::result::Result<Option<Account>, Taken>> {
    let updated = sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2").bind(name).bind(id).execute(pool).await;
    Ok(unless_taken(updated)?.map(|done| (done.rows_affected() == 1).then(|| Account { id, name: name.to_owned() })))
}

pub async fn account_exists(pool: &AnyPool, id: i64) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM accounts WHERE id = $1").bind(id).fetch_optional(pool).await?.is_some())
}
