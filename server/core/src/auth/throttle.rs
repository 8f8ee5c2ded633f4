//! Sign-in throttling: growing delays by source address and account, never a
//! lock that a stranger could hold over someone else's account.
//!
//! Two counters per attempt: the (source, account) pair, and the source alone
//! (account `''`) against spraying many accounts. A pair's first
//! [`FREE_PER_PAIR`] failures in a [`WINDOW_SECS`] window cost nothing, then
//! each further one makes the pair wait [`FIRST_DELAY_SECS`], doubling up to
//! [`LONGEST_DELAY_SECS`]; likewise a source after [`FREE_PER_SOURCE`]. The
//! account's owner, signing in from their own address, is never slowed by
//! a stranger's failures. An attempt is counted *before* its password is
//! checked, in one transaction, so a burst of parallel guesses cannot slip
//! past the count; success takes it back.

use crate::error::Result;
use crate::storage::{now, Db};
use sqlx::Row;
use std::net::IpAddr;

pub const FREE_PER_PAIR: i64 = 5;
pub const FREE_PER_SOURCE: i64 = 50;
pub const FIRST_DELAY_SECS: i64 = 10;
pub const LONGEST_DELAY_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten (the count starts again).
pub const WINDOW_SECS: i64 = 15 * 60;

/// The wait after `failures` failures, of which `free` cost nothing.
pub fn delay_secs(failures: i64, free: i64) -> i64 {
    let over = failures - free;
    if over <= 0 {
        return 0;
    }
    FIRST_DELAY_SECS.saturating_mul(1 << (over - 1).min(20)).min(LONGEST_DELAY_SECS)
}

/// Counts an attempt for `source` signing in as `account`. `Err(seconds)`
/// when one of its counters is still waiting: the attempt must be refused
/// without looking at the password.
pub async fn count_attempt(db: &Db, source: IpAddr, account: &str) -> Result<std::result::Result<(), i64>> {
    let now = now();
    let (source, account) = (source.to_string(), account.to_lowercase());
    let mut tx = db.begin().await?;
    let mut wait = 0;
    for (account, free) in [(account.as_str(), FREE_PER_PAIR), ("", FREE_PER_SOURCE)] {
        let row = sqlx::query(
            "INSERT INTO sign_in_throttle (source, account, failures, last_failure_at, blocked_until) VALUES ($1, $2, 1, $3, 0) \
             ON CONFLICT (source, account) DO UPDATE SET \
             failures = CASE WHEN sign_in_throttle.last_failure_at <= $4 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
             last_failure_at = $3 \
             RETURNING failures, blocked_until",
        )
        .bind(&source)
        .bind(account)
        .bind(now)
        .bind(now - WINDOW_SECS)
        .fetch_one(&mut *tx)
        .await?;
        let (failures, blocked_until): (i64, i64) = (row.try_get("failures")?, row.try_get("blocked_until")?);
        wait = wait.max(blocked_until - now);
        let delay = delay_secs(failures, free);
        if delay > 0 && blocked_until <= now {
            sqlx::query("UPDATE sign_in_throttle SET blocked_until = $3 WHERE source = $1 AND account = $2")
                .bind(&source)
                .bind(account)
                .bind(now + delay)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(if wait > 0 { Err(wait) } else { Ok(()) })
}

/// A successful sign-in: the pair starts afresh, and the source's count
/// takes back this attempt (an office behind one address signs in a lot).
pub async fn forget_success(db: &Db, source: IpAddr, account: &str) -> Result<()> {
    let source = source.to_string();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sign_in_throttle WHERE source = $1 AND account = $2").bind(&source).bind(account.to_lowercase()).execute(&mut *tx).await?;
    sqlx::query("UPDATE sign_in_throttle SET failures = failures - 1 WHERE source = $1 AND account = '' AND failures > 0")
        .bind(&source)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The account's password was reset: whatever was counted against it goes.
pub async fn forget_account(conn: &mut sqlx::AnyConnection, account: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE account = $1").bind(account.to_lowercase()).execute(&mut *conn).await?;
    Ok(())
}

/// Removes counters that have gone quiet: the table holds only the last
/// window's attackers, however many addresses they came from.
pub async fn sweep(db: &Db) -> Result<u64> {
    let now = now();
    let done = sqlx::query("DELETE FROM sign_in_throttle WHERE last_failure_at <= $1 AND blocked_until <= $2")
        .bind(now - WINDOW_SECS)
        .bind(now)
        .execute(db.writes())
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_to_a_cap() {
        assert_eq!((0..=5).map(|n| delay_secs(n, 5)).collect::<Vec<_>>(), [0; 6]);
        assert_eq!((6..=10).map(|n| delay_secs(n, 5)).collect::<Vec<_>>(), [10, 20, 40, 80, 160]);
        assert_eq!(delay_secs(12, 5), 640);
        assert_eq!(delay_secs(13, 5), LONGEST_DELAY_SECS);
        assert_eq!(delay_secs(10_000, 5), LONGEST_DELAY_SECS);
    }
}
