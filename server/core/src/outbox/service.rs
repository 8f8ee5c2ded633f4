//! Email activity: what the outbox holds, and retrying or discarding an
//! email. For host admins; behind both the REST routes and the server functions.

use super::storage::{self, EmailRow};
use super::Outbox;
use crate::audit::{self, Entry};
use crate::auth::{Caller, HostAdmin};
use crate::error::{Failure, Result};
use shared::api::Page;
use shared::api::{ApiError, ErrorCode};
use shared::audit::AuditAction;
use shared::outbox::{EmailFilter, EmailStatus, EmailSummary};
use shared::Role;

fn summary(row: EmailRow, smtp_enabled: bool) -> EmailSummary {
    let waiting = row.status.is_waiting();
    EmailSummary {
        id: row.id,
        kind: row.kind,
        to: row.to,
        held: waiting && !smtp_enabled,
        next_attempt_at: waiting.then_some(row.next_attempt_at),
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
        via: row.via,
    }
}

/// A state as a caller names it (the REST query), or 422 listing the names.
pub fn parse_status(name: &str) -> Result<EmailStatus> {
    EmailStatus::parse(name).ok_or_else(|| {
        let names: Vec<_> = EmailStatus::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::validation("unknown status").with_field("status", format!("one of {}", names.join(", "))).into()
    })
}

/// A page of emails, newest first, after `cursor` (the last id of the
/// previous page). Host roles see every email; account admins those to their
/// account's users; acting on them is for host admins.
pub async fn list(outbox: &Outbox, caller: &Caller, filter: &EmailFilter, cursor: Option<&str>, limit: Option<i64>) -> Result<Page<EmailSummary>> {
    if caller.user.role == Role::AccountUser {
        return Err(ApiError::forbidden().into());
    }
    // An account asked for narrows what the caller sees; another account's is nothing (-1 matches no account).
    let account = match (caller.sees().account(), filter.account_id) {
        (None, asked) => asked,
        (Some(mine), Some(asked)) if asked != mine => Some(-1),
        (Some(mine), _) => Some(mine),
    };
    let limit = crate::paging::size(limit)?;
    crate::paging::text("recipient", filter.recipient.as_deref())?;
    crate::paging::text("cursor", cursor)?;
    let before = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| Failure::from(ApiError::validation("the cursor needs fixing").with_field("cursor", "use the cursor of the Link header")))?,
        ),
    };
    let enabled = crate::smtp::service::is_enabled(outbox.db.reads()).await?;
    let (rows, more) = crate::paging::split(storage::list(&outbox.db, filter, account, before, limit + 1).await?, limit);
    let next_cursor = more.then(|| rows.last().map(|r| r.id.to_string())).flatten();
    Ok(Page { items: rows.into_iter().map(|r| summary(r, enabled)).collect(), next_cursor })
}

async fn after_change(outbox: &Outbox, id: i64, changed: bool, refused: &str) -> Result<EmailSummary> {
    let row = storage::find(outbox.db.reads(), id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such email"))?;
    if !changed && row.body_dropped && row.status != EmailStatus::Sent {
        return Err(Failure::new(
            ErrorCode::Conflict,
            format!("{refused}: its content is gone (the link it carried has expired); make a new invitation or reset link instead"),
        ));
    }
    if !changed {
        return Err(Failure::new(ErrorCode::Conflict, format!("{refused} (it is {})", row.status.as_str())));
    }
    let enabled = crate::smtp::service::is_enabled(outbox.db.reads()).await?;
    Ok(summary(row, enabled))
}

/// Sends a failed, retrying or discarded email again, now.
pub async fn retry(outbox: &Outbox, admin: HostAdmin<'_>, id: i64) -> Result<EmailSummary> {
    let changed = storage::requeue(outbox.db.writes(), id).await?;
    let email = after_change(outbox, id, changed, "this email cannot be retried").await?;
    let detail = format!("email {id}, {}", email.kind.as_str());
    audit::record(outbox.db.writes(), Entry::new(admin.actor(), AuditAction::EmailRetried).target(&email.to).detail(&detail)).await?;
    outbox.wake.ring();
    tracing::info!(by = %admin.user.email, id, "email queued again");
    Ok(email)
}

/// Gives up on an email that has not been sent.
pub async fn discard(outbox: &Outbox, admin: HostAdmin<'_>, id: i64) -> Result<EmailSummary> {
    let changed = storage::cancel(outbox.db.writes(), id).await?;
    let email = after_change(outbox, id, changed, "this email cannot be discarded").await?;
    let detail = format!("email {id}, {}", email.kind.as_str());
    audit::record(outbox.db.writes(), Entry::new(admin.actor(), AuditAction::EmailDiscarded).target(&email.to).detail(&detail)).await?;
    tracing::info!(by = %admin.user.email, id, "email discarded");
    Ok(email)
}

/// `/metrics` on the main listener: the delivery metrics, for host admins.
pub async fn metrics(delivery: &crate::delivery::Delivery, _admin: HostAdmin<'_>) -> Result<String> {
    render_metrics(delivery).await
}

/// The same, for the operator's separate metrics listener
/// (`GATEHOUSE_METRICS_BIND`), which only the network in front of it guards:
/// the operator opened it, so start-up hands it the operator.
pub async fn metrics_on_private_listener(delivery: &crate::delivery::Delivery, _operator: &crate::operator::Operator) -> Result<String> {
    render_metrics(delivery).await
}

async fn render_metrics(delivery: &crate::delivery::Delivery) -> Result<String> {
    let db = &delivery.db;
    // While the database is down the rest of the figures (storage errors,
    // free space) matter most: they go out without the outbox's counts.
    let (counts, health) = match (storage::counts(db.reads()).await, crate::delivery::service::figures(&delivery.settings, db).await) {
        (Ok(counts), Ok(health)) => (counts, Some(health)),
        (Err(e), _) | (_, Err(e)) if e.is_storage_fault() => (Vec::new(), None),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let free_space = db.data_dir().and_then(|dir| Some((dir, crate::storage::faults::free_bytes(dir)?)));
    crate::metrics::render(&counts, health, free_space).map_err(|e| Failure::internal("encoding metrics", e))
}
