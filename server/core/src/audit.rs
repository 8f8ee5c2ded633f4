//! The audit log: one row per admin action and per sign-in, written by the
//! service that does the thing, in the same transaction where there is one
//! (so an action and its entry commit or roll back together). Beneath the
//! capabilities, which all write to it; host admins read it through
//! `host::audit_log`, filtered by actor and action, a page at a time.

use crate::error::{Failure, Result};
use crate::identity::User;
use crate::storage::{now, Db};
use shared::api::ApiError;
use shared::audit::{AuditAction, AuditEntry, AuditPage};
use sqlx::Row;

/// What to record. `actor` is the user who acted, or (a failed sign-in) only
/// the address that was tried.
pub struct Entry<'a> {
    pub actor: Actor<'a>,
    pub action: AuditAction,
    pub target: Option<&'a str>,
    pub detail: &'a str,
    pub source: Option<std::net::IpAddr>,
}

pub enum Actor<'a> {
    User(&'a User),
    Unknown(&'a str),
}

impl<'a> Entry<'a> {
    pub fn by(user: &'a User, action: AuditAction) -> Self {
        Self { actor: Actor::User(user), action, target: None, detail: "", source: None }
    }

    pub fn target(mut self, target: &'a str) -> Self {
        self.target = Some(target);
        self
    }

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = detail;
        self
    }

    pub fn from(mut self, source: std::net::IpAddr) -> Self {
        self.source = Some(source);
        self
    }
}

/// Writes an entry, on a transaction or a pool.
pub async fn record<'c, E>(executor: E, entry: Entry<'_>) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let (actor_id, actor_email) = match entry.actor {
        Actor::User(u) => (Some(u.id), u.email.as_str()),
        Actor::Unknown(email) => (None, email),
    };
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor_email, action, target, detail, source) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(now())
        .bind(actor_id)
        .bind(actor_email)
        .bind(entry.action.as_str())
        .bind(entry.target)
        .bind(entry.detail)
        .bind(entry.source.map(|ip| ip.to_string()))
        .execute(executor)
        .await?;
    Ok(())
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// What `GET /api/v1/audit` and the Audit log page ask for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Entries whose actor's email contains this (case-insensitive).
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    /// Entries older than this id (the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

/// An action as a caller names it, or 422 listing the names.
pub fn parse_action(name: &str) -> Result<AuditAction> {
    AuditAction::parse(name).ok_or_else(|| {
        let names: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        ApiError::validation("unknown action").with_field("action", format!("one of {}", names.join(", "))).into()
    })
}

/// One page, newest first (host admins read it through `host::audit_log`).
pub async fn page(db: &Db, query: &Query) -> Result<AuditPage> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::validation("the page size needs fixing").with_field("limit", format!("from 1 to {MAX_PAGE}")).into());
    }
    let contains = crate::storage::contains(db.engine, "lower(actor_email)", "lower($1)");
    let sql = format!(
        "SELECT id, at, actor_email, action, target, detail, source FROM audit_log \
         WHERE ($1 = '' OR {contains}) AND ($2 = '' OR action = $2) AND ($3 = 0 OR id < $3) \
         ORDER BY id DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(query.actor.as_deref().unwrap_or("").trim())
        .bind(query.action.map(AuditAction::as_str).unwrap_or(""))
        .bind(query.cursor.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(db.reads())
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let action: String = r.try_get("action")?;
        let action = AuditAction::parse(&action).ok_or_else(|| Failure::internal("unknown action in the audit log", &action))?;
        entries.push(AuditEntry {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor_email")?,
            action,
            target: r.try_get("target")?,
            detail: r.try_get("detail")?,
            source: r.try_get("source")?,
        });
    }
    // One more than asked says whether there is a next page.
    let next_cursor = (entries.len() as i64 > limit).then(|| {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    });
    Ok(AuditPage { entries, next_cursor: next_cursor.flatten() })
}

/// Entries older than `retention_secs` go (`maintenance`).
pub async fn sweep(db: &Db, retention_secs: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(now() - retention_secs).execute(db.writes()).await?.rows_affected())
}
