//! Who exists on the instance: the rows of `users` and `accounts`. The
//! bottom of the user-facing capabilities: `auth` reads users from here to
//! sign them in, and `users` (invitations, resets, accounts) manages them.

use crate::error::{Failure, Result};
use crate::storage::{changed_one, is_unique_violation, now, Db, Engine, PartSearch};
use shared::account::{AccountSender, SenderIdentity};
use shared::api::{Me, UserFilter, UserStatus, UserSummary};
use shared::{EmailAddress, Language, Role};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: EmailAddress,
    pub role: Role,
    pub account_id: Option<i64>,
    pub password_hash: Option<String>,
    pub disabled: bool,
    /// Their language, once chosen (or given at invitation).
    pub language: Option<Language>,
}

impl User {
    pub fn status(&self) -> UserStatus {
        if self.disabled {
            UserStatus::Disabled
        } else if self.password_hash.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Pending
        }
    }

    pub fn me(&self) -> Me {
        Me { id: self.id, email: self.email.clone(), role: self.role, account_id: self.account_id, language: self.language }
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            email: self.email.clone(),
            role: self.role,
            account_id: self.account_id,
            status: self.status(),
            last_email: None,
            invitation: None,
        }
    }
}

pub const USER_COLUMNS: &str = "users.id, users.email, users.role, users.account_id, users.password_hash, users.disabled_at, users.language";

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
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        language: row.try_get::<Option<String>, _>("language")?.as_deref().and_then(Language::from_code),
    })
}

/// The user with this address; `None` for an unknown or unparsable one.
pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<User>> {
    let Ok(email) = EmailAddress::parse(email) else { return Ok(None) };
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(&sql).bind(email.as_str()).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user `id`, on a pool or a transaction.
pub async fn find_by_id<'c, E>(executor: E, id: i64) -> Result<Option<User>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(executor).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn set_language(pool: &AnyPool, id: i64, language: Language) -> Result<()> {
    sqlx::query("UPDATE users SET language = $2 WHERE id = $1").bind(id).bind(language.code()).execute(pool).await?;
    Ok(())
}

pub async fn set_password(conn: &mut sqlx::AnyConnection, id: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(id).execute(&mut *conn).await?;
    Ok(())
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
    /// Its own sender, as saved (checked then); `None`: the host's From.
    pub sender: Option<AccountSender>,
}

const ACCOUNT_COLUMNS: &str = "id, name, sender_name, sender_email, sender_reply_to";

fn account_of(row: &AnyRow) -> Result<Account> {
    let sender = match row.try_get::<Option<String>, _>("sender_email")? {
        Some(from_email) => Some(AccountSender {
            from_name: row.try_get::<Option<String>, _>("sender_name")?.unwrap_or_default(),
            from_email,
            reply_to: row.try_get("sender_reply_to")?,
        }),
        None => None,
    };
    Ok(Account { id: row.try_get("id")?, name: row.try_get("name")?, sender })
}

/// Up to `limit` users by address (case-insensitively), after the address
/// `after`: of one account (`account`), matching `filter`. Reads the
/// `users_email` index in order, so a page costs the same at any depth.
pub async fn page(db: &Db, account: Option<i64>, filter: &UserFilter, after: Option<&str>, limit: i64) -> Result<Vec<User>> {
    let part = filter.q.as_deref().map(str::trim).unwrap_or("");
    let rows = sqlx::query(&page_statement(db.engine, PartSearch::for_part(part)))
        .bind(account.unwrap_or(0))
        .bind(part)
        .bind(filter.role.map(Role::as_str).unwrap_or(""))
        .bind(filter.status.map(UserStatus::as_str).unwrap_or(""))
        .bind(after.unwrap_or(""))
        .bind(limit)
        .bind(filter.account_id.unwrap_or(0))
        .fetch_all(db.reads())
        .await?;
    rows.iter().map(user_from_row).collect()
}

/// The page query: `$1` the caller's account (0: any), `$2` a part of the
/// address, `$3` a role, `$4` a state, `$5` the address to start after, `$6`
/// how many, `$7` an account asked for. Public for the test of its plan.
pub fn page_statement(engine: Engine, search: PartSearch) -> String {
    let contains = crate::storage::contains(engine, "lower(email)", "lower($2)");
    // PostgreSQL's trigram index for a part (migration 0014). SQLite reads
    // 100,000 addresses in a few milliseconds and keeps the address order.
    let candidates = match (search, engine) {
        (PartSearch::Trigram, Engine::Postgres) => "email ILIKE '%' || $2 || '%' ESCAPE '' AND",
        _ => "",
    };
    format!(
        "SELECT {USER_COLUMNS} FROM users \
         WHERE {candidates} ($1 = 0 OR account_id = $1) AND ($7 = 0 OR account_id = $7) AND ($2 = '' OR {contains}) AND ($3 = '' OR role = $3) \
         AND ($4 = '' OR ($4 = 'pending' AND password_hash IS NULL AND disabled_at IS NULL) \
              OR ($4 = 'active' AND password_hash IS NOT NULL AND disabled_at IS NULL) OR ($4 = 'disabled' AND disabled_at IS NOT NULL)) \
         AND ($5 = '' OR lower(email) > lower($5)) \
         ORDER BY lower(email) LIMIT $6"
    )
}

pub async fn host_admin_exists(pool: &AnyPool) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'host_admin' AND password_hash IS NOT NULL").fetch_one(pool).await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The user `id`, read on a transaction that is about to change or delete
/// them, so that the checks and the write see the same row. On PostgreSQL
/// the row is locked, and before it (always in this order, so that two such
/// changes cannot deadlock) every host admin's row: two changes at once
/// cannot each count the other as the remaining admin and leave none
/// (SQLite's `BEGIN IMMEDIATE` already serialises them).
pub async fn lock_for_change(conn: &mut sqlx::AnyConnection, engine: Engine, id: i64) -> Result<Option<User>> {
    let lock = match engine {
        Engine::Postgres => {
            sqlx::query("SELECT id FROM users WHERE role = 'host_admin' ORDER BY id FOR UPDATE").fetch_all(&mut *conn).await?;
            " FOR UPDATE"
        }
        Engine::Sqlite => "",
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{lock}");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Active host admins other than `except`, counted on a transaction that has
/// [`lock_for_change`]d `except` and is about to demote, disable or delete them.
pub async fn other_active_host_admins(conn: &mut sqlx::AnyConnection, except: i64) -> Result<i64> {
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'host_admin' AND password_hash IS NOT NULL AND disabled_at IS NULL AND id <> $1")
        .bind(except)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// Sets a user's role, account and disabled state.
pub async fn update(conn: &mut sqlx::AnyConnection, id: i64, role: Role, account_id: Option<i64>, disabled: bool) -> Result<()> {
    sqlx::query(
        "UPDATE users SET role = $2, account_id = $3, \
         disabled_at = CASE WHEN $4 = 0 THEN NULL WHEN disabled_at IS NULL THEN $5 ELSE disabled_at END WHERE id = $1",
    )
    .bind(id)
    .bind(role.as_str())
    .bind(account_id)
    .bind(disabled as i64)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a user; their links, sessions and tokens go with them (ON DELETE CASCADE).
pub async fn delete(conn: &mut sqlx::AnyConnection, id: i64) -> Result<bool> {
    Ok(changed_one(&sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *conn).await?))
}

/// Inserts a user: active with a password hash, or pending (invited) without
/// one. [`Taken`] when the address is.
pub async fn insert<'c, E>(
    executor: E,
    email: &EmailAddress,
    role: Role,
    account_id: Option<i64>,
    password_hash: Option<&str>,
    language: Option<Language>,
) -> Result<std::result::Result<i64, Taken>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = "INSERT INTO users (email, password_hash, role, account_id, created_at, language) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let inserted = sqlx::query(sql)
        .bind(email.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(account_id)
        .bind(now())
        .bind(language.map(Language::code))
        .fetch_one(executor)
        .await;
    match unless_taken(inserted)? {
        Ok(row) => Ok(Ok(row.try_get("id")?)),
        Err(taken) => Ok(Err(taken)),
    }
}

/// Every account, or only `only`.
pub async fn list_accounts(pool: &AnyPool, only: Option<i64>) -> Result<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE ($1 = 0 OR id = $1) ORDER BY lower(name)");
    let rows = sqlx::query(&sql).bind(only.unwrap_or(0)).fetch_all(pool).await?;
    rows.iter().map(account_of).collect()
}

/// One account, read on `executor`; `None` when there is no such account.
pub async fn account<'c, E>(executor: E, id: i64) -> Result<Option<Account>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(executor).await?.as_ref().map(account_of).transpose()
}

/// Sets (or, with `None`, removes) an account's own sender.
pub async fn set_account_sender(conn: &mut sqlx::AnyConnection, id: i64, sender: Option<&SenderIdentity>) -> Result<()> {
    sqlx::query("UPDATE accounts SET sender_name = $2, sender_email = $3, sender_reply_to = $4 WHERE id = $1")
        .bind(id)
        .bind(sender.map(|s| s.from_name.as_str().to_owned()))
        .bind(sender.map(|s| s.from_email.to_string()))
        .bind(sender.and_then(|s| s.reply_to.as_ref().map(|r| r.to_string())))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Creates an account; [`Taken`] when another has the same name (case-insensitively).
pub async fn insert_account(pool: &AnyPool, name: &str) -> Result<std::result::Result<Account, Taken>> {
    let inserted = sqlx::query("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now()).fetch_one(pool).await;
    match unless_taken(inserted)? {
        Ok(row) => Ok(Ok(Account { id: row.try_get("id")?, name: name.to_owned(), sender: None })),
        Err(taken) => Ok(Err(taken)),
    }
}

/// Renames an account; `Ok(false)` when there is no such account, [`Taken`]
/// when another has the name.
pub async fn rename_account(conn: &mut sqlx::AnyConnection, id: i64, name: &str) -> Result<std::result::Result<bool, Taken>> {
    let updated = sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *conn).await;
    Ok(unless_taken(updated)?.map(|done| done.rows_affected() == 1))
}

pub async fn account_exists<'c, E>(executor: E, id: i64) -> Result<bool>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    Ok(sqlx::query("SELECT id FROM accounts WHERE id = $1").bind(id).fetch_optional(executor).await?.is_some())
}

/// An account's name; `None` when there is no such account.
pub async fn account_name<'c, E>(executor: E, id: i64) -> Result<Option<String>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1").bind(id).fetch_optional(executor).await?)
}

/// An account's name, read on a transaction that is about to delete it
/// (the row locked on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises);
/// `None` when there is no such account.
pub async fn lock_account(conn: &mut sqlx::AnyConnection, engine: Engine, id: i64) -> Result<Option<String>> {
    let lock = if engine == Engine::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT name FROM accounts WHERE id = $1{lock}");
    Ok(sqlx::query_scalar(&sql).bind(id).fetch_optional(&mut *conn).await?)
}

/// The ids of an account's users, on the deleting transaction.
pub async fn account_members(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE account_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await?)
}

/// Deletes an account and its users (their sessions, tokens and links go
/// with them: `ON DELETE CASCADE`). How many users went.
pub async fn delete_account(conn: &mut sqlx::AnyConnection, id: i64) -> Result<u64> {
    let users = sqlx::query("DELETE FROM users WHERE account_id = $1").bind(id).execute(&mut *conn).await?.rows_affected();
    sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(users)
}
