//! Rows of `sessions`, `api_tokens` and `setup_tokens` (`sign_in_throttle` is `throttle.rs`'s).

use crate::error::Result;
use crate::identity::{user_from_row, User, USER_COLUMNS};
use crate::storage::{changed_one, now, Db};
use sqlx::{AnyPool, Row};

pub async fn insert_session(pool: &AnyPool, token_hash: &str, user_id: i64, ttl_secs: i64) -> Result<()> {
    let now = now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_secs)
        .execute(pool)
        .await?;
    Ok(())
}

/// The user of a live session: not past its lifetime, and used within the
/// last `idle_secs`. Using it counts as activity (recorded at most once a
/// minute, so a busy dashboard does not write on every request).
pub async fn user_for_session(db: &Db, token_hash: &str, idle_secs: i64) -> Result<Option<User>> {
    let now = now();
    let sql = format!(
        "SELECT {USER_COLUMNS}, sessions.last_seen_at FROM sessions JOIN users ON users.id = sessions.user_id \
         WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 AND sessions.last_seen_at > $3 AND users.disabled_at IS NULL"
    );
    let Some(row) = sqlx::query(&sql).bind(token_hash).bind(now).bind(now - idle_secs).fetch_optional(db.reads()).await? else { return Ok(None) };
    if row.try_get::<i64, _>("last_seen_at")? <= now - SEEN_GRANULARITY_SECS {
        let seen = sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1").bind(token_hash).bind(now).execute(db.writes()).await;
        record_use(seen)?;
    }
    user_from_row(&row).map(Some)
}

/// How stale a session's or token's "last used" may get before it is written again.
const SEEN_GRANULARITY_SECS: i64 = 60;

/// Recording that a session or token was used is bookkeeping: while storage
/// refuses writes (a full disk) the caller is still who they are, and may
/// still read (`/metrics`, the lists); only the write they ask for fails.
fn record_use(done: std::result::Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<()> {
    match done {
        Err(e) if crate::storage::faults::note(&e).is_some_and(|t| t != crate::storage::faults::Trouble::Busy) => Ok(()),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(()),
    }
}

pub async fn delete_session(pool: &AnyPool, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(())
}

/// Removes sessions past their lifetime (`maintenance`). Idle ones are
/// refused at once by [`user_for_session`] and go when their lifetime ends.
pub async fn sweep_sessions(db: &Db) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now()).execute(db.writes()).await?.rows_affected())
}

/// Revokes every API token of a user (after a password reset); how many.
pub async fn delete_api_tokens_of(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?.rows_affected())
}

/// Ends every session of a user but `keep` (the one changing their password).
pub async fn delete_other_sessions(conn: &mut sqlx::AnyConnection, user_id: i64, keep: Option<&str>) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(user_id).bind(keep.unwrap_or("")).execute(&mut *conn).await?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_sessions_of(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

/// A new API token's row; its id.
pub async fn insert_api_token(pool: &AnyPool, token_hash: &str, user_id: i64, name: &str, created_at: i64, expires_at: Option<i64>) -> Result<i64> {
    let id = sqlx::query_scalar("INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(token_hash)
        .bind(user_id)
        .bind(name)
        .bind(created_at)
        .bind(expires_at)
        .fetch_one(pool)
        .await?;
    Ok(id)
}

/// An API token as listed (never its hash).
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    pub owner: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// Every token, newest first (expired ones too, until revoked: the list says when they expired).
pub async fn list_api_tokens(pool: &AnyPool) -> Result<Vec<ApiTokenRow>> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, u.email, t.created_at, t.last_used_at, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiTokenRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                owner: r.try_get("email")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Revokes a token: its row goes, so the next request with it gets 401. Its name; `None` when there was none.
pub async fn delete_api_token(pool: &AnyPool, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("DELETE FROM api_tokens WHERE id = $1 RETURNING name").bind(id).fetch_optional(pool).await?)
}

/// The user of a token that exists and has not expired, with the token's id
/// and name; records its use (at most once a minute).
pub async fn user_for_api_token(db: &Db, token_hash: &str) -> Result<Option<(User, i64, String)>> {
    let now = now();
    let sql = format!(
        "SELECT {USER_COLUMNS}, api_tokens.last_used_at, api_tokens.id AS token_id, api_tokens.name AS token_name FROM api_tokens JOIN users ON users.id = api_tokens.user_id \
         WHERE api_tokens.token_hash = $1 AND (api_tokens.expires_at IS NULL OR api_tokens.expires_at > $2) AND users.disabled_at IS NULL"
    );
    let Some(row) = sqlx::query(&sql).bind(token_hash).bind(now).fetch_optional(db.reads()).await? else { return Ok(None) };
    if row.try_get::<Option<i64>, _>("last_used_at")?.is_none_or(|at| at <= now - SEEN_GRANULARITY_SECS) {
        let used = sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1").bind(token_hash).bind(now).execute(db.writes()).await;
        record_use(used)?;
    }
    Ok(Some((user_from_row(&row)?, row.try_get("token_id")?, row.try_get("token_name")?)))
}

/// Makes `token_hash` the one live setup token: every earlier one dies.
pub async fn replace_setup_token(tx: &mut sqlx::AnyConnection, token_hash: &str, ttl_secs: i64) -> Result<()> {
    let now = now();
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(now)
        .bind(now + ttl_secs)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn setup_token_is_live(pool: &AnyPool, token_hash: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT token_hash FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'host_admin' AND password_hash IS NOT NULL)",
    )
    .bind(token_hash)
    .bind(now())
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// Consumes a live setup token; true for exactly one caller, and only while no
/// host admin exists (one may have been made with the CLI meanwhile). Then
/// every other setup link dies too: the instance has its first admin.
pub async fn consume_setup_token(tx: &mut sqlx::AnyConnection, token_hash: &str) -> Result<bool> {
    let claimed = sqlx::query(
        "DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'host_admin' AND password_hash IS NOT NULL)",
    )
    .bind(token_hash)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if !changed_one(&claimed) {
        return Ok(false);
    }
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
    Ok(true)
}
