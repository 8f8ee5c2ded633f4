//! Rows of `outbox`.

use crate::error::{Failure, Result};
use crate::seal::{self, Purpose};
use crate::secret_key::SecretKey;
use crate::storage::{now, Engine, PartSearch};
use shared::outbox::{EmailFilter, EmailKind, EmailStatus};
use shared::smtp::RelayRole;
use sqlx::{Any, AnyPool, Executor, Row};

/// A rendered email waiting to be written to the outbox.
pub struct NewEmail {
    pub kind: EmailKind,
    pub user_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// When the link the body carries stops working.
    pub link_expires_at: i64,
    /// The secret of that link, kept sealed beside the body so that Users can
    /// offer the link to copy while the email has not gone out.
    pub link_secret: String,
    /// Whom it speaks for when not the host: the account's sender, as it is now.
    pub voice: Option<shared::account::SenderIdentity>,
}

/// Queues an email inside the caller's transaction, its body sealed with
/// `key` (it carries a live link). Its Message-ID is fixed now, so every
/// delivery attempt carries the same one. The workers of other instances
/// are told at commit (`wake::at_commit`); the caller wakes its own.
pub async fn enqueue(conn: &mut sqlx::AnyConnection, engine: Engine, key: &SecretKey, email: &NewEmail, id_domain: &str) -> Result<()> {
    let message_id = format!("<{}@{}>", &crate::tokens::mint("").hash[..32], id_domain);
    let now = now();
    sqlx::query(
        "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, body, link_expires_at, message_id, status, attempts, next_attempt_at, created_at, link_secret, \
         from_name, from_email, reply_to) \
         VALUES ($1, $2, $3, $4, $5, $6, 'sealed', $7, $8, 'queued', 0, $9, $9, $10, $11, $12, $13)",
    )
    .bind(email.kind.as_str())
    .bind(email.user_id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(seal::seal(key, Purpose::EmailBody, &email.text))
    .bind(seal::seal(key, Purpose::EmailBody, &email.html))
    .bind(email.link_expires_at)
    .bind(message_id)
    .bind(now)
    .bind(seal::seal(key, Purpose::LinkSecret, &email.link_secret))
    .bind(email.voice.as_ref().map(|v| v.from_name.as_str().to_owned()))
    .bind(email.voice.as_ref().map(|v| v.from_email.to_string()))
    .bind(email.voice.as_ref().and_then(|v| v.reply_to.as_ref().map(|r| r.to_string())))
    .execute(&mut *conn)
    .await?;
    crate::wake::at_commit(conn, engine).await?;
    Ok(())
}

/// When the next claimable email comes due (it may be now), or `None` when
/// none is waiting. Reads the first entry of the due index.
pub async fn next_due(pool: &AnyPool) -> Result<Option<i64>> {
    let at: Option<i64> = sqlx::query_scalar(&format!("SELECT MIN(next_attempt_at) FROM outbox WHERE {CLAIMABLE}")).fetch_one(pool).await?;
    Ok(at)
}

/// A claimed email, being delivered.
pub struct Claimed {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: Body,
    pub message_id: String,
    pub attempts: i64,
    /// When this claim's lease runs out (the email's due time while it is being sent).
    pub lease_until: i64,
    /// The account it speaks for, as queued: From name, From address, Reply-To; `None`: the relay's From.
    pub voice: Option<(String, String, Option<String>)>,
}

/// States a worker may claim from, written exactly as the partial index
/// `outbox_due` (migration 0004) writes its condition, so SQLite uses it.
const CLAIMABLE: &str = "status IN ('queued', 'retrying', 'sending')";

/// Claims up to `limit` of the emails that have been due longest, for
/// `lease_secs`, oldest first; empty when nothing is due.
///
/// `next_attempt_at` is the due time of every claimable email: when it was
/// queued, when its retry comes, or, for one being sent, when its lease runs
/// out. An email whose worker died mid-delivery is therefore due again once
/// the lease passes, and nothing is lost to a crash. The pick reads the
/// partial index on that column in order, so a claim costs the same with 10
/// or 100,000 emails waiting.
///
/// One statement picks and claims, so two workers (in one process or in
/// several) never deliver the same email at once. On PostgreSQL the pick is
/// `FOR UPDATE SKIP LOCKED`, so concurrent workers take different emails
/// instead of queueing on the same row; SQLite serialises writers anyway.
///
/// The worker claims a group in the same commit that records what became of
/// the group before it ([`settle`]), so one commit serves a group. Claimed
/// emails not yet sent were never handed to the relay: they wait for their
/// lease.
pub async fn claim<'c>(db: impl Executor<'c, Database = Any>, engine: Engine, lease_secs: i64, limit: i64) -> Result<Vec<Claimed>> {
    let now = now();
    let rows = sqlx::query(&claim_statement(engine)).bind(now).bind(now + lease_secs).bind(limit).fetch_all(db).await?;
    let mut claimed = rows
        .iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                to: r.try_get("to_email")?,
                subject: r.try_get("subject")?,
                body: Body::from_columns(r.try_get("body")?, r.try_get("text_body")?, r.try_get("html_body")?)?,
                message_id: r.try_get("message_id")?,
                attempts: r.try_get("attempts")?,
                lease_until: r.try_get("next_attempt_at")?,
                voice: match r.try_get::<Option<String>, _>("from_email")? {
                    Some(email) => Some((r.try_get::<Option<String>, _>("from_name")?.unwrap_or_default(), email, r.try_get("reply_to")?)),
                    None => None,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // RETURNING promises no order; ids follow queueing order.
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

/// The claim: `$1` now, `$2` the lease's end, `$3` how many. Public for the
/// test that checks SQLite's plan for it.
pub fn claim_statement(engine: Engine) -> String {
    let lock = if engine == Engine::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let due = format!("{CLAIMABLE} AND next_attempt_at <= $1");
    // The pick is a materialised CTE, evaluated once: PostgreSQL may run an
    // `IN (SELECT … LIMIT n)` subquery more than once and update more than n rows.
    format!(
        "WITH picked AS MATERIALIZED (SELECT id FROM outbox WHERE {due} ORDER BY next_attempt_at, id LIMIT $3{lock}) \
         UPDATE outbox SET status = 'sending', next_attempt_at = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM picked) AND {due} \
         RETURNING id, to_email, subject, text_body, html_body, body, message_id, attempts, next_attempt_at, from_name, from_email, reply_to"
    )
}

/// Gives claimed emails that were not attempted back to the queue, due now,
/// as they were before the claim (a worker stopping, or running short of
/// lease). Only while they still hold this claim's lease (`lease_until`): an
/// email another worker has claimed since is left alone.
pub async fn release<'c>(db: impl Executor<'c, Database = Any>, lease_until: i64, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "UPDATE outbox SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'queued' END, attempts = attempts - 1, next_attempt_at = $1 \
         WHERE status = 'sending' AND next_attempt_at = $2 AND id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(now()).bind(lease_until);
    for id in ids {
        query = query.bind(*id);
    }
    query.execute(db).await?;
    Ok(())
}

/// Delivered by `via`: the body (and the link in it, and its secret) is of
/// no more use here, so it goes.
pub async fn mark_sent<'c>(db: impl Executor<'c, Database = Any>, ids: &[i64], via: RelayRole) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!("UPDATE outbox SET status = 'sent', sent_at = $1, via = $2, last_error = NULL, {DROP_BODY} WHERE id IN ({})", placeholders.join(", "));
    let mut query = sqlx::query(&sql).bind(now()).bind(via.as_str());
    for id in ids {
        query = query.bind(*id);
    }
    query.execute(db).await?;
    Ok(())
}

/// What became of a group of claimed emails: written together, in the
/// commit that claims the next group ([`settle`]).
#[derive(Debug, Default)]
pub struct Outcomes {
    /// Taken by a relay: the primary, or the fallback.
    pub sent: Vec<(i64, RelayRole)>,
    /// To be tried again at the given time, with the error that stopped it.
    pub retry: Vec<(i64, String, i64)>,
    /// Given up, with the reason.
    pub failed: Vec<(i64, String)>,
    /// Never handed to the relay (the worker is stopping, or its lease ran
    /// short): back to the queue, while they still hold their claim's lease
    /// (each claim's lease, with its emails).
    pub unsent: Vec<(i64, Vec<i64>)>,
}

impl Outcomes {
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.retry.is_empty() && self.failed.is_empty() && self.unsent.is_empty()
    }
}

/// One commit for a group: records `done`, then claims the next group when
/// `next` says how (lease, how many). A claim alone is the claim's one
/// statement; the storage rule holds (everything runs on the transaction).
///
/// Until this commits, the emails in `done` that the relay took are still
/// `sending`: a crash meanwhile sends them again once their lease passes.
/// That is the price of one commit per group instead of one per email; the
/// worker bounds it (`outbox/worker.rs`).
pub async fn settle(db: &crate::storage::Db, done: &Outcomes, next: Option<(i64, i64)>) -> Result<Vec<Claimed>> {
    if done.is_empty() {
        return match next {
            Some((lease, limit)) => claim(db.writes(), db.engine, lease, limit).await,
            None => Ok(Vec::new()),
        };
    }
    let mut tx = db.begin().await?;
    for via in RelayRole::ALL {
        let ids: Vec<i64> = done.sent.iter().filter(|(_, v)| *v == via).map(|(id, _)| *id).collect();
        mark_sent(&mut *tx, &ids, via).await?;
    }
    for (id, error, at) in &done.retry {
        mark_retry(&mut *tx, *id, error, *at).await?;
    }
    for (id, error) in &done.failed {
        mark_failed(&mut *tx, *id, error).await?;
    }
    for (lease_until, ids) in &done.unsent {
        release(&mut *tx, *lease_until, ids).await?;
    }
    let claimed = match next {
        Some((lease, limit)) => claim(&mut *tx, db.engine, lease, limit).await?,
        None => Vec::new(),
    };
    tx.commit().await?;
    Ok(claimed)
}

const DROP_BODY: &str = "text_body = '', html_body = '', body = 'dropped', link_secret = NULL";

/// An email's body as stored: sealed (since migration 0008), in clear (queued
/// before it), or dropped (nothing to send).
pub enum Body {
    Sealed { text: String, html: String },
    Plain { text: String, html: String },
    Dropped,
}

impl Body {
    fn from_columns(state: String, text: String, html: String) -> Result<Self> {
        match state.as_str() {
            "sealed" => Ok(Body::Sealed { text, html }),
            "plain" => Ok(Body::Plain { text, html }),
            "dropped" => Ok(Body::Dropped),
            other => Err(Failure::internal("unknown body state in the outbox", other)),
        }
    }

    /// The text and HTML parts to send; `None` when the body was dropped.
    pub fn open(&self, key: &SecretKey) -> Result<Option<(String, String)>> {
        Ok(match self {
            Body::Sealed { text, html } => Some((seal::open(key, Purpose::EmailBody, text)?, seal::open(key, Purpose::EmailBody, html)?)),
            Body::Plain { text, html } => Some((text.clone(), html.clone())),
            Body::Dropped => None,
        })
    }
}

/// Housekeeping: bodies whose link has expired are dropped (a waiting one is
/// failed: it would only deliver a dead link), and the delivery history of
/// finished emails older than `retention_secs` is deleted. Returns (bodies
/// dropped, emails deleted).
pub async fn sweep(pool: &AnyPool, retention_secs: i64) -> Result<(u64, u64)> {
    let now = now();
    let expired = sqlx::query(&format!(
        "UPDATE outbox SET status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END, \
         last_error = CASE WHEN status IN ('queued', 'retrying') THEN 'its link expired before it could be delivered' ELSE last_error END, \
         failed_at = CASE WHEN status IN ('queued', 'retrying') THEN $1 ELSE failed_at END, {DROP_BODY} \
         WHERE body <> 'dropped' AND status <> 'sending' AND link_expires_at <= $1"
    ))
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    let purged = sqlx::query("DELETE FROM outbox WHERE status IN ('sent', 'failed', 'cancelled') AND created_at < $1")
        .bind(now - retention_secs)
        .execute(pool)
        .await?
        .rows_affected();
    Ok((expired, purged))
}

/// Given up: `failed_at` counts it in delivery health's "failed in the last 24 hours".
/// An email cancelled while its attempt was under way stays cancelled
/// (its link died meanwhile), here and in `mark_retry`.
pub async fn mark_failed<'c>(db: impl Executor<'c, Database = Any>, id: i64, error: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'failed', last_error = $2, failed_at = $3 WHERE id = $1 AND status <> 'cancelled'")
        .bind(id)
        .bind(error)
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn mark_retry<'c>(db: impl Executor<'c, Database = Any>, id: i64, error: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'retrying', last_error = $2, next_attempt_at = $3 WHERE id = $1 AND status <> 'cancelled'")
        .bind(id)
        .bind(error)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

const COLUMNS: [&str; 11] = ["id", "kind", "to_email", "status", "attempts", "last_error", "created_at", "sent_at", "next_attempt_at", "body", "via"];

/// The list query: `$1` a state, `$2` a kind, `$3` a part of the recipient,
/// `$4` an account (0: any), `$5` the id to start below, `$6` how many.
/// Newest first by id, the primary key. Public for the test of its plan.
pub fn list_statement(engine: Engine, search: PartSearch) -> String {
    let filters = |o: &str| {
        format!(
            "($1 = '' OR {o}status = $1) AND ($2 = '' OR {o}kind = $2) \
             AND ($4 = 0 OR {o}user_id IN (SELECT id FROM users WHERE account_id = $4))"
        )
    };
    let exact = |o: &str| crate::storage::contains(engine, &format!("lower({o}to_email)"), "lower($3)");
    let columns = |o: &str| COLUMNS.map(|c| format!("{o}{c}")).join(", ");
    match (search, engine) {
        (PartSearch::Scan, _) => {
            format!("SELECT {} FROM outbox WHERE {} AND ($3 = '' OR {}) AND id < $5 ORDER BY id DESC LIMIT $6", columns(""), filters(""), exact(""))
        }
        // The FTS5 table hands out its ids newest first, below the cursor, and
        // each is looked up by primary key: no sort, however many match.
        (PartSearch::Trigram, Engine::Sqlite) => format!(
            "SELECT {} FROM outbox_recipient_search s JOIN outbox o ON o.id = s.rowid \
             WHERE s.to_email LIKE '%' || $3 || '%' AND {} AND {} AND s.rowid < $5 \
             ORDER BY s.rowid DESC LIMIT $6",
            columns("o."),
            exact("o."),
            filters("o.")
        ),
        (PartSearch::Trigram, Engine::Postgres) => format!(
            "SELECT {} FROM outbox WHERE to_email ILIKE '%' || $3 || '%' ESCAPE '' AND {} AND {} AND id < $5 \
             ORDER BY id DESC LIMIT $6",
            columns(""),
            exact(""),
            filters("")
        ),
    }
}

/// Up to `limit` emails older than `before` (an id), newest first, matching
/// `filter`, and only those to `account`'s users when given.
pub async fn list(db: &crate::storage::Db, filter: &EmailFilter, account: Option<i64>, before: Option<i64>, limit: i64) -> Result<Vec<EmailRow>> {
    let part = filter.recipient.as_deref().map(str::trim).unwrap_or_default();
    let rows = sqlx::query(&list_statement(db.engine, PartSearch::for_part(part)))
        .bind(filter.status.map(EmailStatus::as_str).unwrap_or_default())
        .bind(filter.kind.map(EmailKind::as_str).unwrap_or_default())
        .bind(part)
        .bind(account.unwrap_or(0))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(db.reads())
        .await?;
    rows.iter().map(email_row).collect()
}

pub async fn find(pool: &AnyPool, id: i64) -> Result<Option<EmailRow>> {
    let row = sqlx::query(&format!("SELECT {} FROM outbox WHERE id = $1", COLUMNS.join(", "))).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(email_row).transpose()
}

fn email_row(r: &sqlx::any::AnyRow) -> Result<EmailRow> {
    Ok(EmailRow {
        id: r.try_get("id")?,
        kind: stored(r, "kind", EmailKind::parse)?,
        to: r.try_get("to_email")?,
        status: stored(r, "status", EmailStatus::parse)?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        // A name this build does not know reads as unknown, not an error.
        via: r.try_get::<Option<String>, _>("via")?.as_deref().and_then(RelayRole::parse),
        next_attempt_at: r.try_get("next_attempt_at")?,
        body_dropped: r.try_get::<String, _>("body")? == "dropped",
    })
}

/// A column holding one of a vocabulary's names. The schema's CHECK allows
/// no other, so anything else is reported, not papered over.
fn stored<T>(r: &sqlx::any::AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let name: String = r.try_get(column)?;
    parse(&name).ok_or_else(|| Failure::internal("unknown name in the outbox", format!("{column} = {name}")))
}

pub struct EmailRow {
    pub id: i64,
    pub kind: EmailKind,
    pub to: String,
    pub status: EmailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// Which relay took it (sent emails).
    pub via: Option<RelayRole>,
    pub next_attempt_at: i64,
    /// Nothing left to send (delivered, or its link expired).
    pub body_dropped: bool,
}

/// Queues a failed, retrying or cancelled email again, now, with a fresh
/// attempt budget. False when it is sent, being sent, has no body left, or
/// does not exist.
pub async fn requeue(pool: &AnyPool, id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $2 \
         WHERE id = $1 AND status IN ('failed', 'retrying', 'cancelled', 'queued') AND body <> 'dropped'",
    )
    .bind(id)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives up on an email that has not been sent. False when it is sent, being sent, or does not exist.
pub async fn cancel(pool: &AnyPool, id: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE outbox SET status = 'cancelled' WHERE id = $1 AND status IN ('queued', 'retrying', 'failed')").bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels the user's invitation and reset emails not yet sent (or failed,
/// so that Retry cannot send them): the links in them died. Email activity
/// shows them cancelled, with `why`. One being sent at this moment is
/// cancelled too: if the relay refuses it, it stays cancelled (`mark_retry`
/// and `mark_failed` leave a cancelled email alone); if the relay took it,
/// it is marked sent, which it was. How many.
pub async fn cancel_link_emails_of(conn: &mut sqlx::AnyConnection, user_id: i64, why: &str) -> Result<u64> {
    let done =
        sqlx::query("UPDATE outbox SET status = 'cancelled', last_error = $2 WHERE user_id = $1 AND status IN ('queued', 'retrying', 'failed', 'sending')")
            .bind(user_id)
            .bind(why)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}

/// Cancels the user's emails of `kind` not yet sent when a new link of that
/// kind replaces the one they carry (a regenerated invitation, a new reset
/// link): they would deliver a dead link, after the new one or instead of it.
/// As `cancel_link_emails_of`, one being sent stays cancelled if refused.
pub async fn cancel_replaced_link_emails(conn: &mut sqlx::AnyConnection, user_id: i64, kind: EmailKind) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'cancelled', last_error = $3 \
         WHERE user_id = $1 AND kind = $2 AND status IN ('queued', 'retrying', 'failed', 'sending')",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind("a newer link replaced the one in this email")
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The state of the latest email to each of `users`, for a page of the Users
/// list: one lookup per user on the `outbox_user` index, not a scan of the outbox.
pub async fn last_state_of(pool: &AnyPool, users: &[i64]) -> Result<std::collections::HashMap<i64, EmailStatus>> {
    let mut states = std::collections::HashMap::new();
    if users.is_empty() {
        return Ok(states);
    }
    let placeholders: Vec<String> = (1..=users.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT o.user_id, o.status FROM outbox o WHERE o.id IN \
         (SELECT MAX(id) FROM outbox WHERE user_id IN ({}) GROUP BY user_id)",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in users {
        query = query.bind(*id);
    }
    for r in query.fetch_all(pool).await? {
        states.insert(r.try_get("user_id")?, stored(&r, "status", EmailStatus::parse)?);
    }
    Ok(states)
}

/// The latest invitation email to each of `users` that has not gone out
/// (queued, being sent, retrying or failed), with its link's sealed secret
/// while the body is kept: (user, state, sealed secret). Whether that link
/// still works is for the caller to check (`users::links`). One lookup per
/// user on the `outbox_user` index, as `last_state_of`.
pub async fn unsent_invitations_of(pool: &AnyPool, users: &[i64]) -> Result<Vec<(i64, EmailStatus, Option<String>)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=users.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT o.user_id, o.status, o.link_secret FROM outbox o WHERE o.id IN \
         (SELECT MAX(id) FROM outbox WHERE user_id IN ({}) AND kind = 'invitation' GROUP BY user_id) \
         AND o.status IN ('queued', 'sending', 'retrying', 'failed')",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in users {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(|r| Ok((r.try_get("user_id")?, stored(r, "status", EmailStatus::parse)?, r.try_get("link_secret")?))).collect()
}

/// Opens a link secret `unsent_invitations_of` handed out.
pub fn open_link_secret(key: &SecretKey, sealed: &str) -> Result<String> {
    seal::open(key, Purpose::LinkSecret, sealed)
}

/// How many emails there are of each kind in each state (for `/metrics`;
/// reads the `outbox_counts` index, not the bodies).
pub async fn counts(pool: &AnyPool) -> Result<Vec<(EmailKind, EmailStatus, i64)>> {
    let rows = sqlx::query("SELECT kind, status, COUNT(*) AS n FROM outbox GROUP BY kind, status").fetch_all(pool).await?;
    rows.iter().map(|r| Ok((stored(r, "kind", EmailKind::parse)?, stored(r, "status", EmailStatus::parse)?, r.try_get("n")?))).collect()
}
