//! Rows of `user_links`: invitation and reset links, stored as hashes. A user
//! has at most one live link of each purpose; making a new one kills the old.
//! A link that ends (used, replaced, revoked) is marked, not deleted, so that
//! its page can say what became of it; the sweep deletes links a month after
//! they expire (`sweep`), and a user's go with them.

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

/// How long a link is kept after it expires, so that its page can still say
/// "expired" rather than "unknown".
const KEPT_AFTER_EXPIRY_SECS: i64 = 30 * 24 * 3600;

/// Replaces the user's link of this purpose with a new one, made by
/// `issued_by` (an inviter's address; `None` for a "forgot password" link).
pub async fn replace(conn: &mut sqlx::AnyConnection, user_id: i64, purpose: Purpose, ttl_secs: i64, issued_by: Option<&str>) -> Result<Issued> {
    let now = now();
    sqlx::query("UPDATE user_links SET ended = 'replaced', ended_at = $3 WHERE user_id = $1 AND purpose = $2 AND ended IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let minted = tokens::mint("");
    sqlx::query("INSERT INTO user_links (token_hash, user_id, purpose, created_at, expires_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&minted.hash)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(now + ttl_secs)
        .bind(issued_by)
        .execute(&mut *conn)
        .await?;
    Ok(Issued { secret: minted.secret, expires_at: now + ttl_secs })
}

/// Kills every link of the user (their role, account or state changed: a
/// link must never carry more than its user has now). How many were live.
pub async fn revoke_all(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<u64> {
    let sql = "UPDATE user_links SET ended = 'revoked', ended_at = $2 WHERE user_id = $1 AND ended IS NULL AND expires_at > $2";
    Ok(sqlx::query(sql).bind(user_id).bind(now()).execute(&mut *conn).await?.rows_affected())
}

/// A link as its page may describe it, live or not: whose it is, who made
/// it, and what ended it.
pub struct Described {
    pub user_id: i64,
    pub expires_at: i64,
    pub issued_by: Option<String>,
    pub ended: Option<Ended>,
}

/// What ended a link before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Used,
    Replaced,
    Revoked,
}

/// The link of this secret and purpose, in whatever state; `None` for one
/// never made (or swept away).
pub async fn describe<'c, E>(executor: E, secret: &str, purpose: Purpose) -> Result<Option<Described>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    if !tokens::looks_valid(secret, "") {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id, expires_at, issued_by, ended FROM user_links WHERE token_hash = $1 AND purpose = $2")
        .bind(tokens::hash(secret))
        .bind(purpose.as_str())
        .fetch_optional(executor)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let ended = match row.try_get::<Option<String>, _>("ended")?.as_deref() {
        None => None,
        Some("used") => Some(Ended::Used),
        Some("replaced") => Some(Ended::Replaced),
        // The only other value the column's CHECK allows.
        Some(_) => Some(Ended::Revoked),
    };
    Ok(Some(Described { user_id: row.try_get("user_id")?, expires_at: row.try_get("expires_at")?, issued_by: row.try_get("issued_by")?, ended }))
}

/// Links a month past their expiry go (`maintenance`).
pub(crate) async fn sweep(db: &crate::storage::Db) -> Result<u64> {
    let sql = "DELETE FROM user_links WHERE expires_at < $1";
    Ok(sqlx::query(sql).bind(now() - KEPT_AFTER_EXPIRY_SECS).execute(db.writes()).await?.rows_affected())
}

/// The user a live link belongs to, without using it up.
pub async fn live_user(pool: &AnyPool, secret: &str, purpose: Purpose) -> Result<Option<i64>> {
    if !tokens::looks_valid(secret, "") {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id FROM user_links WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 AND ended IS NULL")
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
    let sql = format!(
        "SELECT token_hash, user_id FROM user_links WHERE purpose = $1 AND expires_at > $2 AND ended IS NULL AND token_hash IN ({})",
        placeholders.join(", ")
    );
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
    let sql =
        "UPDATE user_links SET ended = 'used', ended_at = $3 WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 AND ended IS NULL RETURNING user_id";
    let row = sqlx::query(sql).bind(tokens::hash(secret)).bind(purpose.as_str()).bind(now()).fetch_optional(&mut *conn).await?;
    Ok(row.map(|r| r.try_get("user_id")).transpose()?)
}
