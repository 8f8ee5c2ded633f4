//! Rows of `user_links`: invitation and reset links, stored as hashes. A user
//! has at most one live link of each purpose; making a new one kills the old.

use crate::error::Result;
use crate::storage::now;
use crate::tokens;
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// A new link's secret (for the URL) and when it expires.
pub struct Issued {
    pub secret: String,
    pub expires_at: i64,
}

/// Replaces the user's link of this purpose with a new one.
pub async fn replace(conn: &mut sqlx::AnyConnection, user_id: i64, purpose: Purpose, ttl_secs: i64) -> Result<Issued> {
    sqlx::query("DELETE FROM user_links WHERE user_id = $1 AND purpose = $2").bind(user_id).bind(purpose.as_str()).execute(&mut *conn).await?;
    let minted = tokens::mint("");
    let now = now();
    sqlx::query("INSERT INTO user_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&minted.hash)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(now + ttl_secs)
        .execute(&mut *conn)
        .await?;
    Ok(Issued { secret: minted.secret, expires_at: now + ttl_secs })
}

/// Kills every link of the user (their role, account or state changed: a
/// link must never carry more than its user has now). How many there were.
pub async fn revoke_all(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM user_links WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?.rows_affected())
}

/// The user a live link belongs to, without using it up.
pub async fn live_user(pool: &AnyPool, secret: &str, purpose: Purpose) -> Result<Option<i64>> {
    if !tokens::looks_valid(secret, "") {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id FROM user_links WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3")
        .bind(tokens::hash(secret))
        .bind(purpose.as_str())
        .bind(now())
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("user_id")).transpose()?)
}

/// Which of `secrets` are live links of `purpose`: each one's hash, with its
/// user. One lookup per secret on `user_links`' primary key.
pub async fn live_users_of(pool: &AnyPool, secrets: &[String], purpose: Purpose) -> Result<std::collections::HashMap<String, i64>> {
    let hashes: Vec<String> = secrets.iter().filter(|s| tokens::looks_valid(s, "")).map(|s| tokens::hash(s)).collect();
    let mut live = std::collections::HashMap::new();
    if hashes.is_empty() {
        return Ok(live);
    }
    let placeholders: Vec<String> = (0..hashes.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!("SELECT token_hash, user_id FROM user_links WHERE purpose = $1 AND expires_at > $2 AND token_hash IN ({})", placeholders.join(", "));
    let mut query = sqlx::query(&sql).bind(purpose.as_str()).bind(now());
    for hash in &hashes {
        query = query.bind(hash);
    }
    for r in query.fetch_all(pool).await? {
        live.insert(r.try_get("token_hash")?, r.try_get("user_id")?);
    }
    Ok(live)
}

/// Uses a live link up; `Some(user_id)` for exactly one caller.
pub async fn consume(conn: &mut sqlx::AnyConnection, secret: &str, purpose: Purpose) -> Result<Option<i64>> {
    if !tokens::looks_valid(secret, "") {
        return Ok(None);
    }
    let row = sqlx::query("DELETE FROM user_links WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING user_id")
        .bind(tokens::hash(secret))
        .bind(purpose.as_str())
        .bind(now())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("user_id")).transpose()?)
}
