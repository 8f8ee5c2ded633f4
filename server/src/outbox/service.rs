//! Email activity: what the outbox holds, and retrying or discarding an
//! email. For host admins; behind both the REST routes and the server functions.

use super::storage::{self, EmailRow};
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::state::AppState;
use shared::api::{ApiError, ErrorCode};
use shared::outbox::{EmailSummary, STATUSES};

const LIST_LIMIT: i64 = 500;

fn summary(row: EmailRow, smtp_enabled: bool) -> EmailSummary {
    let waiting = matches!(row.status.as_str(), "queued" | "retrying");
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

/// The newest 500 emails, optionally only those in one state.
pub async fn list(state: &AppState, caller: &Caller, status: Option<&str>) -> Result<Vec<EmailSummary>> {
    caller.require_host_admin()?;
    let status = status.map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = status {
        if !STATUSES.contains(&s) {
            return Err(ApiError::validation("unknown status").with_field("status", format!("one of {}", STATUSES.join(", "))).into());
        }
    }
    let enabled = crate::smtp::service::is_enabled(state.db.reads()).await?;
    Ok(storage::list(state.db.reads(), status, LIST_LIMIT).await?.into_iter().map(|r| summary(r, enabled)).collect())
}

async fn after_change(state: &AppState, id: i64, changed: bool, refused: &str) -> Result<EmailSummary> {
    let row = storage::find(state.db.reads(), id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such email"))?;
    if !changed {
        return Err(Failure::new(ErrorCode::Conflict, format!("{refused} (it is {})", row.status)));
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
