//! The audit log: one row per admin action and per sign-in, written by the
//! service that does the thing, in the same transaction where there is one
//! (so an action and its entry commit or roll back together). Beneath the
//! capabilities, which all write to it; host admins read it through
//! `host::audit_log`, filtered by actor and action, a page at a time.

use crate::error::{Failure, Result};
use crate::storage::{now, Db};
use shared::api::ApiError;
use shared::audit::{AuditAction, AuditEntry, AuditPage};
use sqlx::Row;
use std::net::IpAddr;

/// The actor's name for what the server's settings do at a start.
pub const PROVISIONING: &str = "provisioning";

/// What to record: who acted, what they did, to whom, and more about it.
pub struct Entry<'a> {
    pub actor: Actor<'a>,
    pub action: AuditAction,
    pub target: Option<&'a str>,
    pub detail: &'a str,
}

/// Who acted, through what, from where. A plain value, so that the log sits
/// beneath the capabilities that write to it (`auth::Caller::actor` makes one).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The user, when one is known (not for the CLI, nor for an address tried at sign-in).
    pub user_id: Option<i64>,
    /// Their email, the address tried at sign-in, or `cli`.
    pub email: &'a str,
    pub via: Via<'a>,
    /// The client address, whenever the action came over HTTP.
    pub source: Option<IpAddr>,
}

/// The credential an action came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via<'a> {
    /// A signed-in session (the dashboard, or a client holding the cookie).
    Session,
    /// A bearer API token.
    Token {
        id: i64,
        name: &'a str,
    },
    /// A link sent to the person (setup, invitation, reset), or a sign-in attempt.
    Link,
    SignIn,
    /// The operator's command line.
    Cli,
    /// Gatehouse itself (a held-back reset email).
    Gatehouse,
    /// The server's own settings, applied at a start (the first host admin, the SMTP relay).
    Provisioning,
}

impl Via<'_> {
    fn describe(self) -> String {
        match self {
            Via::Session => "session".to_owned(),
            Via::Token { id, name } => format!("token {id} ({name})"),
            Via::Link => "link".to_owned(),
            Via::SignIn => "sign-in".to_owned(),
            Via::Cli => "cli".to_owned(),
            Via::Gatehouse => "gatehouse".to_owned(),
            Via::Provisioning => PROVISIONING.to_owned(),
        }
    }
}

impl<'a> Actor<'a> {
    /// The operator at the command line (whoever can read the database).
    pub fn cli() -> Self {
        Self { user_id: None, email: "cli", via: Via::Cli, source: None }
    }

    /// A person acting for themselves without a session: signing in, or
    /// through a link they were sent.
    pub fn person(user_id: Option<i64>, email: &'a str, via: Via<'a>, source: IpAddr) -> Self {
        Self { user_id, email, via, source: Some(source) }
    }

    /// The server's settings (`GATEHOUSE_ADMIN_*`, `GATEHOUSE_SMTP_*`), applied at a start.
    pub fn provisioning() -> Self {
        Self { user_id: None, email: PROVISIONING, via: Via::Provisioning, source: None }
    }

    /// Gatehouse acting on its own account (from `source`'s request, if any).
    pub fn gatehouse(source: Option<IpAddr>) -> Self {
        Self { user_id: None, email: "gatehouse", via: Via::Gatehouse, source }
    }
}

impl<'a> Entry<'a> {
    pub fn new(actor: Actor<'a>, action: AuditAction) -> Self {
        Self { actor, action, target: None, detail: "" }
    }

    pub fn target(mut self, target: &'a str) -> Self {
        self.target = Some(target);
        self
    }

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = detail;
        self
    }
}

/// Writes an entry, on a transaction or a pool.
pub(crate) async fn record<'c, E>(executor: E, entry: Entry<'_>) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let actor = entry.actor;
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor_email, action, target, detail, source, via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(now())
        .bind(actor.user_id)
        .bind(actor.email)
        .bind(entry.action.as_str())
        .bind(entry.target)
        .bind(entry.detail)
        .bind(actor.source.map(|ip| ip.to_string()))
        .bind(actor.via.describe())
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
pub(crate) async fn page(db: &Db, query: &Query) -> Result<AuditPage> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::validation("the page size needs fixing").with_field("limit", format!("from 1 to {MAX_PAGE}")).into());
    }
    let contains = crate::storage::contains(db.engine, "lower(actor_email)", "lower($1)");
    let sql = format!(
        "SELECT id, at, actor_email, action, target, detail, source, via FROM audit_log \
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
            via: r.try_get("via")?,
        });
    }
    // One more than asked says whether there is a next page.
    let next_cursor = (entries.len() as i64 > limit).then(|| {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    });
    Ok(AuditPage { entries, next_cursor: next_cursor.flatten() })
}

/// Entries older than `retention_secs` go (`maintenance`), from the audit
/// log and from the SMTP page's history alike.
pub(crate) async fn sweep(db: &Db, retention_secs: i64) -> Result<u64> {
    let cutoff = now() - retention_secs;
    let log = sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(cutoff).execute(db.writes()).await?.rows_affected();
    let smtp = sqlx::query("DELETE FROM smtp_audit WHERE at < $1").bind(cutoff).execute(db.writes()).await?.rows_affected();
    Ok(log + smtp)
}
