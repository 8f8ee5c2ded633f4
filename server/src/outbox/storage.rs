//! Rows of `outbox`.

use crate::error::Result;
use crate::storage::now;
use sqlx::{AnyPool, Row};

/// What an email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Reset,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reset => "reset",
        }
    }
}

/// A rendered email waiting to be written to the outbox.
pub struct NewEmail {
    pub kind: Kind,
    pub user_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues an email inside the caller's transaction. Its Message-ID is fixed
/// now, so every delivery attempt carries the same one.
pub async fn enqueue(conn: &mut sqlx::AnyConnection, email: &NewEmail, id_domain: &str) -> Result<()> {
    let message_id = format!("<{}@{}>", &crate::auth::tokens::mint("").hash[..32], id_domain);
    let now = now();
    sqlx::query(
        "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, message_id, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8)",
    )
    .bind(email.kind.as_str())
    .bind(email.user_id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(message_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A claimed email, being delivered.
pub struct Claimed {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub attempts: i64,
}

/// Claims up to `limit` due emails for `lease_secs`. Each claim is a
/// conditional update, so two workers (in one process or several) never
/// deliver the same email at once; an email whose lease ran out (its worker
/// died) is due again.
pub async fn claim(pool: &AnyPool, limit: i64, lease_secs: i64) -> Result<Vec<Claimed>> {
    let now = now();
    let due = "(status IN ('queued', 'retrying') AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1)";
    let ids: Vec<i64> = sqlx::query(&format!("SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $2"))
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::new();
    for id in ids {
        let row = sqlx::query(&format!(
            "UPDATE outbox SET status = 'sending', lease_until = $3, attempts = attempts + 1 WHERE id = $2 AND ({due}) \
             RETURNING id, to_email, subject, text_body, html_body, message_id, attempts"
        ))
        .bind(now)
        .bind(id)
        .bind(now + lease_secs)
        .fetch_optional(pool)
        .await?;
        if let Some(r) = row {
            claimed.push(Claimed {
                id: r.try_get("id")?,
                to: r.try_get("to_email")?,
                subject: r.try_get("subject")?,
                text: r.try_get("text_body")?,
                html: r.try_get("html_body")?,
                message_id: r.try_get("message_id")?,
                attempts: r.try_get("attempts")?,
            });
        }
    }
    Ok(claimed)
}

pub async fn mark_sent(pool: &AnyPool, id: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn mark_failed(pool: &AnyPool, id: i64, error: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn mark_retry(pool: &AnyPool, id: i64, error: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'retrying', lease_until = NULL, last_error = $2, next_attempt_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Puts a claimed email back untouched (SMTP was switched off meanwhile): held, not failed.
pub async fn release(pool: &AnyPool, id: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'queued', lease_until = NULL, attempts = attempts - 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The state of the latest email to each user, for the Users page.
pub async fn last_state_by_user(pool: &AnyPool) -> Result<std::collections::HashMap<i64, String>> {
    let rows = sqlx::query(
        "SELECT o.user_id, o.status FROM outbox o \
         JOIN (SELECT user_id, MAX(id) AS id FROM outbox WHERE user_id IS NOT NULL GROUP BY user_id) latest ON latest.id = o.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("user_id")?, r.try_get("status")?))).collect()
}
