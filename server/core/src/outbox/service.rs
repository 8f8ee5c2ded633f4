//! Email activity: what the outbox holds, and retrying or discarding an
//! email. For host admins; behind both the REST routes and the server functions.

use super::storage::{self, EmailRow};
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::state::AppState;
use shared::api::{ApiError, ErrorCode};
use shared::outbox::{EmailStatus, EmailSummary};

const LIST_LIMIT: i64 = 500;

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
    }
}

/// A state as a caller names it (the REST query), or 422 listing the names.
pub fn parse_status(name: &str) -> Result<EmailStatus> {
    EmailStatus::parse(name).ok_or_else(|| {
        let names: Vec<_> = EmailStatus::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::validation("unknown status").with_field("status", format!("one of {}", names.join(", "))).into()
    })
}

/// The newest 500 emails, optionally only those in one state.
pub async fn list(state: &AppState, caller: &Caller, status: Option<EmailStatus>) -> Result<Vec<EmailSummary>> {
    caller.require_host_admin()?;
    let enabled = crate::smtp::service::is_enabled(state.db.reads()).await?;
    Ok(storage::list(state.db.reads(), status, LIST_LIMIT).await?.into_iter().map(|r| summary(r, enabled)).collect())
}

async fn after_change(state: &AppState, id: i64, changed: bool, refused: &str) -> Result<EmailSummary> {
    let row = storage::find(state.db.reads(), id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such email"))?;
    if !changed {
        return Err(Failure::new(ErrorCode::Conflict, format!("{refused} (it is {})", row.status.as_str())));
    }
    let enabled = crate::smtp::service::is_enabled(state.db.reads()).await?;
    Ok(summary(row, enabled))
}

/// Sends a failed, retrying or discarded email again, now.
pub async fn retry(state: &AppState, caller: &Caller, id: i64) -> Result<EmailSummary> {
    caller.require_host_admin()?;
    let changed = storage::requeue(state.db.writes(), id).await?;
    let email = after_change(state, id, changed, "this email cannot be retried").await?;
    state.outbox_wake.notify_one();
    tracing::info!(by = %caller.user.email, id, "email queued again");
    Ok(email)
}

/// Gives up on an email that has not been sent.
pub async fn discard(state: &AppState, caller: &Caller, id: i64) -> Result<EmailSummary> {
    caller.require_host_admin()?;
    let changed = storage::cancel(state.db.writes(), id).await?;
    let email = after_change(state, id, changed, "this email cannot be discarded").await?;
    tracing::info!(by = %caller.user.email, id, "email discarded");
    Ok(email)
}

/// `/metrics`: the delivery metrics, with the outbox counted now.
pub async fn metrics(state: &AppState) -> Result<String> {
    let counts = storage::counts(state.db.reads()).await?;
    crate::metrics::render(&counts)
}
