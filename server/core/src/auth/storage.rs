//! Rows of `sessions`, `api_tokens`, `setup_tokens` and `sign_in_failures`.

use crate::error::Result;
use crate::identity::{user_from_row, User, USER_COLUMNS};
use crate::storage::{changed_one, now};
use sqlx::{AnyPool, Row};

pub async fn insert_session(pool: &AnyPool, token_hash: &str, user_id: i64, ttl_secs: i64) -> Result<()> {
    let now = now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_secs)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn user_for_session(pool: &AnyPool, token_hash: &str) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id \
         WHERE sessions.token_hash = $1 AND sessions.expires_at > $2"
    );
    let row = sqlx::query(&sql).bind(token_hash).bind(now()).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn delete_session(pool: &AnyPool, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    // Expired sessions are swept whenever someone signs out: cheap and sufficient.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now()).execute(pool).await?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_sessions_of(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn insert_api_token(pool: &AnyPool, token_hash: &str, user_id: i64, name: &str) -> Result<()> {
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(name)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn user_for_api_token(pool: &AnyPool, token_hash: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE api_tokens.token_hash = $1");
    let row = sqlx::query(&sql).bind(token_hash).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn insert_setup_token(pool: &AnyPool, token_hash: &str, ttl_secs: i64) -> Result<()> {
    let now = now();
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(now)
        .bind(now + ttl_secs)
        .execute(pool)
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

pub async fn record_sign_in_failure(pool: &AnyPool, email: &str) -> Result<()> {
    sqlx::query("INSERT INTO sign_in_failures (email, at) VALUES ($1, $2)").bind(email).bind(now()).execute(pool).await?;
    Ok(())
}

pub async fn recent_sign_in_failures(pool: &AnyPool, email: &str, window_secs: i64) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM sign_in_failures WHERE email = $1 AND at > $2").bind(email).bind(now() - window_secs).fetch_one(pool).await?;
    Ok(row.try_get("n")?)
}

pub async fn clear_sign_in_failures(pool: &AnyPool, email: &str, window_secs: i64) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1 OR at <= $2").bind(email).bind(now() - window_secs).execute(pool).await?;
    Ok(())
}
