//! Password resets: a host admin makes a link for a user, or a user asks for
//! one by email ("Forgot password"). Using a link sets the new password and
//! ends the user's other sessions.

use super::links::{self, Purpose};
use super::mailing::issue_link;
use super::Users;
use crate::audit::{self, Actor, Entry, Via};
use crate::auth::{throttle, Manager};
use crate::error::{Failure, Result};
use crate::identity;
use crate::storage::{changed_one, now, Engine};
use shared::api::{ErrorCode, UserStatus};
use shared::audit::AuditAction;
use shared::invite::{EmailDelivery, LinkStatus, ResetLink};
use shared::{ApiError, NewPassword};
use sqlx::Row;
use std::net::IpAddr;

/// "Forgot password" requests one source (an IPv4 address, an IPv6 /64) may
/// make in the throttle's window (15 minutes after its last) before the rest are held.
const RESETS_PER_SOURCE: i64 = 5;
/// The throttle counter's account key for "forgot password" requests.
const FORGOT: &str = "!forgot-password";
/// No second reset email to a user within this long of the first; each next
/// one within a day waits twice as long as the one before (5 min, 10, 20, …).
const FIRST_GAP_SECS: i64 = 5 * 60;
const DAY_SECS: i64 = 24 * 3600;

/// How long after the last reset email the next may go, when `sent` were sent today.
pub fn gap_secs(sent: i64) -> i64 {
    match sent {
        ..=0 => 0,
        n => FIRST_GAP_SECS.saturating_mul(1 << (n - 1).min(16)),
    }
}

/// A reset link for an active user, made by a host admin (emailed when SMTP is on).
pub async fn admin_link(users: &Users, manager: Manager<'_>, user_id: i64) -> Result<ResetLink> {
    let scope = manager.scope();
    let user = identity::find_by_id(users.db.reads(), user_id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such user"))?;
    scope.require(user.role, user.account_id)?;
    if user.status() != UserStatus::Active {
        return Err(Failure::new(ErrorCode::Conflict, "this user has not accepted the invitation yet; generate a new invite link instead"));
    }
    let mut tx = users.db.begin().await?;
    audit::record(&mut *tx, Entry::new(manager.actor(), AuditAction::PasswordResetIssued).target(user.email.as_str())).await?;
    let link = issue_link(users, tx, &user, Purpose::Reset, Some(manager.user.email.as_str())).await?;
    tracing::info!(by = %manager.user.email, user_id, email = ?link.delivery, "password reset link made");
    Ok(ResetLink { reset_link: link.url, expires_at: link.expires_at, email: link.delivery })
}

/// "Forgot password". The caller learns nothing: the answer is the same, and
/// comes as fast, whether or not the address exists, because the work is done
/// off the request path (at most [`super::RESET_WORKERS`] at once; beyond
/// that a request is dropped and counted). An email goes out only for an
/// active user while SMTP is on, and only within three bounds, so that the
/// form cannot flood an inbox or spend the relay's daily quota: per source,
/// per user ([`gap_secs`]), and per instance and hour
/// (`GATEHOUSE_RESET_EMAILS_PER_HOUR`). What is held back is counted in
/// `/metrics` and written to the audit log.
pub fn forgot(users: &Users, email: &str, source: IpAddr) {
    let Ok(permit) = users.reset_work.clone().try_acquire_owned() else {
        crate::metrics::METRICS.reset_held("busy");
        return;
    };
    let (users, email) = (users.clone(), email.to_owned());
    tokio::spawn(crate::storage::rule::scope(async move {
        let _permit = permit;
        match forgot_now(&users, &email, source).await {
            Ok(()) => {}
            Err(e) if e.is_storage_fault() => {}
            Err(e) => tracing::warn!(error = %e.0, "a password reset request failed"),
        }
    }));
}

/// The work of [`forgot`].
async fn forgot_now(users: &Users, email: &str, source: IpAddr) -> Result<()> {
    let key = throttle::source_key(source);
    let counter = throttle::Counter { source: &key, account: FORGOT, free: RESETS_PER_SOURCE, enforced: true };
    let verdict = throttle::count(&users.db, &[counter]).await?;
    let user = identity::find_by_email(users.db.reads(), email).await?.filter(|u| u.status() == UserStatus::Active);
    if verdict.over_free > 0 {
        crate::metrics::METRICS.reset_held("source");
        // Audited once per burst: the first request held, if it names a user.
        if let (Some(user), 1) = (&user, verdict.over_free) {
            let detail = format!("too many requests from {key}: more are held back until it has been quiet for 15 minutes");
            audit::record(users.db.writes(), held(user, &detail, source)).await?;
        }
        return Ok(());
    }
    let Some(user) = user else { return Ok(()) };
    if !crate::smtp::service::is_enabled(users.db.reads()).await? {
        return Ok(());
    }
    let now = now();
    let mut tx = users.db.begin().await?;
    // Read and claimed on the transaction that queues the email, so that of
    // many requests at once one gets through (none if this rolls back).
    let (last, sent) = reset_history(&mut tx, users.db.engine, user.id).await?;
    let sent_today = if last.is_some_and(|at| at > now - DAY_SECS) { sent } else { 0 };
    if let Some(at) = last.filter(|at| now - at < gap_secs(sent_today)) {
        drop(tx);
        crate::metrics::METRICS.reset_held("user");
        let detail = format!("a reset email went to this user {} s ago: the next may go {} s after it", now - at, gap_secs(sent_today));
        return audit::record(users.db.writes(), held(&user, &detail, source)).await;
    }
    if !spend_budget(&mut tx, now / 3600, users.emails.reset_emails_per_hour).await? {
        crate::metrics::METRICS.reset_held("instance");
        if mark_held(&mut tx, now / 3600).await? == 1 {
            let detail = format!("this hour's {} anonymous reset emails are spent (GATEHOUSE_RESET_EMAILS_PER_HOUR)", users.emails.reset_emails_per_hour);
            audit::record(&mut *tx, held(&user, &detail, source)).await?;
        }
        return Ok(tx.commit().await?);
    }
    sqlx::query("UPDATE users SET reset_requested_at = $2, reset_emails = $3 WHERE id = $1")
        .bind(user.id)
        .bind(now)
        .bind(sent_today + 1)
        .execute(&mut *tx)
        .await?;
    let link = issue_link(users, tx, &user, Purpose::Reset, None).await?;
    if link.delivery == EmailDelivery::Queued {
        tracing::info!(user_id = user.id, "password reset email queued");
    }
    Ok(())
}

/// The audit entry of a reset email held back.
fn held<'a>(user: &'a identity::User, detail: &'a str, source: IpAddr) -> Entry<'a> {
    Entry::new(Actor::gatehouse(Some(source)), AuditAction::PasswordResetHeld).target(user.email.as_str()).detail(detail)
}

/// When the user's last anonymous reset email went, and how many went that
/// day; the row locked on PostgreSQL (SQLite's `BEGIN IMMEDIATE` serialises).
async fn reset_history(conn: &mut sqlx::AnyConnection, engine: Engine, user_id: i64) -> Result<(Option<i64>, i64)> {
    let lock = if engine == Engine::Postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!("SELECT reset_requested_at, reset_emails FROM users WHERE id = $1{lock}")).bind(user_id).fetch_one(&mut *conn).await?;
    Ok((row.try_get("reset_requested_at")?, row.try_get("reset_emails")?))
}

/// Takes one of this hour's anonymous reset emails; false when they are spent.
async fn spend_budget(conn: &mut sqlx::AnyConnection, hour: i64, per_hour: i64) -> Result<bool> {
    sqlx::query("INSERT INTO reset_email_budget (hour, sent, held) VALUES ($1, 0, 0) ON CONFLICT (hour) DO NOTHING").bind(hour).execute(&mut *conn).await?;
    let spent =
        sqlx::query("UPDATE reset_email_budget SET sent = sent + 1 WHERE hour = $1 AND sent < $2").bind(hour).bind(per_hour).execute(&mut *conn).await?;
    Ok(changed_one(&spent))
}

/// Counts a reset email held back this hour; how many so far (1: the first).
async fn mark_held(conn: &mut sqlx::AnyConnection, hour: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("UPDATE reset_email_budget SET held = held + 1 WHERE hour = $1 RETURNING held").bind(hour).fetch_one(&mut *conn).await?)
}

/// Past hours' budgets go (`maintenance`).
pub(crate) async fn sweep_budget(db: &crate::storage::Db) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM reset_email_budget WHERE hour < $1").bind(now() / 3600 - 1).execute(db.writes()).await?.rows_affected())
}

/// Whether a reset link works, and, while it does, the address it resets
/// (its page shows it: the email that carried the link named it too).
pub async fn status(users: &Users, secret: &str) -> Result<LinkStatus> {
    let user = match links::live_user(users.db.reads(), secret, Purpose::Reset).await? {
        Some(id) => identity::find_by_id(users.db.reads(), id).await?,
        None => None,
    };
    Ok(LinkStatus { valid: user.is_some(), smtp_enabled: crate::smtp::service::is_enabled(users.db.reads()).await?, email: user.map(|u| u.email.to_string()) })
}

/// Sets the new password, once. Whoever knew the old one is locked out: the
/// user's sessions end and their API tokens are revoked. The user is read
/// again on the resetting transaction, after the link is used up, and a
/// disabled user is refused.
pub async fn reset(users: &Users, secret: &str, password: &str, source: IpAddr) -> Result<()> {
    let password = NewPassword::parse(password).map_err(|e| Failure(ApiError::validation("some fields need fixing").with_field("password", e)))?;
    let gone = || Failure::new(ErrorCode::Gone, "this reset link has been used or has expired");
    links::live_user(users.db.reads(), secret, Purpose::Reset).await?.ok_or_else(gone)?;
    let hash = users.passwords.hash(password.expose()).await?;
    let mut tx = users.db.begin().await?;
    let user_id = links::consume(&mut tx, secret, Purpose::Reset).await?.ok_or_else(gone)?;
    let user = identity::find_by_id(&mut *tx, user_id).await?.ok_or_else(gone)?;
    if user.disabled {
        return Err(super::disabled());
    }
    identity::set_password(&mut tx, user.id, &hash).await?;
    crate::auth::storage::delete_sessions_of(&mut tx, user.id).await?;
    let tokens = crate::auth::storage::delete_api_tokens_of(&mut tx, user.id).await?;
    // A stranger's failed guesses no longer count against the new password.
    crate::auth::throttle::forget_account(&mut tx, user.email.as_str()).await?;
    let revoked = format!("{tokens} API token(s) revoked");
    let actor = Actor::person(Some(user.id), user.email.as_str(), Via::Link, source);
    audit::record(&mut *tx, Entry::new(actor, AuditAction::PasswordReset).detail(&revoked)).await?;
    tx.commit().await?;
    tracing::info!(user_id, tokens_revoked = tokens, "password reset");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::gap_secs;

    #[test]
    fn reset_emails_to_one_user_are_spaced_out_more_and_more() {
        assert_eq!((0..=5).map(gap_secs).collect::<Vec<_>>(), [0, 300, 600, 1200, 2400, 4800]);
        // However many, the gap stays finite (and a day holds few of them).
        assert!(gap_secs(1_000) > 0);
    }
}
