//! Rows of `delivery_health` (the relay's recent answers, one row) and
//! `delivery_changes` (each change of state, once), and the outbox figures
//! health is computed from.

use crate::error::{Failure, Result};
use shared::delivery::{DeliveryFailure, DeliveryState, TokenCheck, TokenState};
use shared::smtp::TestStage;
use sqlx::{AnyPool, Row};

/// An attempt was delivered: the run of failures ends. `by_fallback`: the
/// fallback relay took it (the primary is failing).
pub async fn record_sent(pool: &AnyPool, at: i64, by_fallback: bool) -> Result<()> {
    let sql = if by_fallback {
        "UPDATE delivery_health SET last_sent_at = $1, last_fallback_at = $1, failures_in_a_row = 0 WHERE id = 1"
    } else {
        "UPDATE delivery_health SET last_sent_at = $1, failures_in_a_row = 0 WHERE id = 1"
    };
    sqlx::query(sql).bind(at).execute(pool).await?;
    Ok(())
}

/// An attempt failed at `stage` (when known) with `message`, the relay's words quoted.
pub async fn record_failure(pool: &AnyPool, at: i64, stage: Option<TestStage>, message: &str) -> Result<()> {
    sqlx::query(
        "UPDATE delivery_health SET last_failure_at = $1, last_failure_stage = $2, last_failure_message = $3, \
         failures_in_a_row = failures_in_a_row + 1 WHERE id = 1",
    )
    .bind(at)
    .bind(stage.map(TestStage::as_str))
    .bind(message)
    .execute(pool)
    .await?;
    Ok(())
}

/// The relay's recent answers and the last token check.
pub struct Answers {
    pub last_sent_at: Option<i64>,
    pub last_fallback_at: Option<i64>,
    pub last_failure: Option<DeliveryFailure>,
    pub failures_in_a_row: i64,
    pub token: Option<TokenCheck>,
}

pub async fn answers(pool: &AnyPool) -> Result<Answers> {
    let r = sqlx::query(
        "SELECT last_sent_at, last_fallback_at, last_failure_at, last_failure_stage, last_failure_message, failures_in_a_row, \
         token_state, token_checked_at, token_expires_at, token_error FROM delivery_health WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Failure::internal("reading delivery health", "the delivery_health row is missing"))?;
    let last_failure = match r.try_get::<Option<i64>, _>("last_failure_at")? {
        None => None,
        Some(at) => Some(DeliveryFailure {
            at,
            // A stage this build does not know is shown as unknown, not an error.
            stage: r.try_get::<Option<String>, _>("last_failure_stage")?.as_deref().and_then(TestStage::parse),
            message: r.try_get::<Option<String>, _>("last_failure_message")?.unwrap_or_default(),
        }),
    };
    let token = match (r.try_get::<Option<String>, _>("token_state")?, r.try_get::<Option<i64>, _>("token_checked_at")?) {
        (Some(state), Some(checked_at)) => Some(TokenCheck {
            state: TokenState::parse(&state).ok_or_else(|| Failure::internal("unknown token state", state))?,
            checked_at,
            expires_at: r.try_get("token_expires_at")?,
            error: r.try_get("token_error")?,
        }),
        _ => None,
    };
    Ok(Answers {
        last_sent_at: r.try_get("last_sent_at")?,
        last_fallback_at: r.try_get("last_fallback_at")?,
        last_failure,
        failures_in_a_row: r.try_get("failures_in_a_row")?,
        token,
    })
}

/// Records a token check. `Some(state before)` when this write changed the
/// state recorded (by any instance), so that a change is audited once;
/// `None` when it did not (the same state, or another instance wrote first).
pub async fn record_token_check(pool: &AnyPool, check: &TokenCheck) -> Result<Option<Option<TokenState>>> {
    let before: Option<String> = sqlx::query_scalar("SELECT token_state FROM delivery_health WHERE id = 1").fetch_optional(pool).await?.flatten();
    // Only the writer whose update still sees the state it read reports the change.
    let written = sqlx::query(
        "UPDATE delivery_health SET token_state = $1, token_checked_at = $2, token_expires_at = $3, token_error = $4 \
         WHERE id = 1 AND COALESCE(token_state, '') = $5",
    )
    .bind(check.state.as_str())
    .bind(check.checked_at)
    .bind(check.expires_at)
    .bind(&check.error)
    .bind(before.as_deref().unwrap_or(""))
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    let changed = written && before.as_deref() != Some(check.state.as_str());
    Ok(changed.then(|| before.as_deref().and_then(TokenState::parse)))
}

/// The emails waiting (queued, retrying or being sent) and when the oldest
/// was queued; only `account`'s users' when given.
pub async fn waiting(pool: &AnyPool, account: Option<i64>) -> Result<(i64, Option<i64>)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status IN ('queued', 'retrying', 'sending') \
         AND ($1 = 0 OR user_id IN (SELECT id FROM users WHERE account_id = $1))",
    )
    .bind(account.unwrap_or(0))
    .fetch_one(pool)
    .await?;
    Ok((r.try_get("n")?, r.try_get("oldest")?))
}

/// Emails given up as failed since `since`; only `account`'s users' when given.
pub async fn failed_since(pool: &AnyPool, since: i64, account: Option<i64>) -> Result<i64> {
    let n = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND failed_at >= $1 \
         AND ($2 = 0 OR user_id IN (SELECT id FROM users WHERE account_id = $2))",
    )
    .bind(since)
    .bind(account.unwrap_or(0))
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// A recorded change of state.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: i64,
    pub state: DeliveryState,
    pub at: i64,
    pub stage: Option<TestStage>,
    pub message: Option<String>,
    /// The state it changed from (none for the first).
    pub before: Option<DeliveryState>,
}

fn change(r: &sqlx::any::AnyRow) -> Result<Change> {
    let state = |column: &str| -> Result<Option<DeliveryState>> {
        r.try_get::<Option<String>, _>(column)?
            .map(|name| DeliveryState::parse(&name).ok_or_else(|| Failure::internal("unknown delivery state", name)))
            .transpose()
    };
    Ok(Change {
        id: r.try_get("id")?,
        state: state("state")?.ok_or_else(|| Failure::internal("reading a delivery change", "no state"))?,
        at: r.try_get("at")?,
        stage: r.try_get::<Option<String>, _>("stage")?.as_deref().and_then(TestStage::parse),
        message: r.try_get("message")?,
        before: state("before")?,
    })
}

const CHANGE: &str =
    "SELECT c.id, c.state, c.at, c.stage, c.message, p.state AS before FROM delivery_changes c LEFT JOIN delivery_changes p ON p.id = c.after_id";

/// The latest change recorded: the state in force and since when.
pub async fn latest(pool: &AnyPool) -> Result<Option<Change>> {
    let row = sqlx::query(&format!("{CHANGE} ORDER BY c.id DESC LIMIT 1")).fetch_optional(pool).await?;
    row.as_ref().map(change).transpose()
}

/// Records a change to `state` after change `after_id` (0: the first);
/// false when another instance recorded a change after it first. The first
/// one is never posted (there was no state to change from): it is marked notified.
pub async fn record_change(pool: &AnyPool, after_id: i64, state: DeliveryState, at: i64, cause: Option<(Option<TestStage>, &str)>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO delivery_changes (after_id, state, at, stage, message, notified_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (after_id) DO NOTHING",
    )
    .bind(after_id)
    .bind(state.as_str())
    .bind(at)
    .bind(cause.and_then(|(stage, _)| stage).map(TestStage::as_str))
    .bind(cause.map(|(_, message)| message))
    .bind((after_id == 0).then_some(at))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Changes not yet posted, recorded since `since`, oldest first.
pub async fn unposted(pool: &AnyPool, since: i64) -> Result<Vec<Change>> {
    let rows = sqlx::query(&format!("{CHANGE} WHERE c.notified_at IS NULL AND c.at >= $1 ORDER BY c.id LIMIT 20")).bind(since).fetch_all(pool).await?;
    rows.iter().map(change).collect()
}

/// Claims change `id` for posting; false when another instance has.
pub async fn claim(pool: &AnyPool, id: i64, at: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE delivery_changes SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL").bind(id).bind(at).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Housekeeping: changes older than `before` go, but never the latest (the state in force).
pub async fn sweep(pool: &AnyPool, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM delivery_changes WHERE at < $1 AND id < (SELECT MAX(id) FROM delivery_changes)").bind(before).execute(pool).await?;
    Ok(done.rows_affected())
}
