//! Throttling of guesses: growing delays by source, by account and by both,
//! never a lock that a stranger could hold over someone else's account.
//!
//! Counters are rows of `sign_in_throttle`, keyed by (source, account):
//! - the (source, account) pair: [`FREE_PER_PAIR`] failures in a
//!   [`WINDOW_SECS`] window cost nothing, then each further one makes the
//!   pair wait [`FIRST_DELAY_SECS`], doubling up to [`LONGEST_DELAY_SECS`];
//! - the source alone (account `''`), after [`FREE_PER_SOURCE`], against
//!   spraying many accounts from one place;
//! - the account alone (source [`EVERY_SOURCE`]), after [`FREE_PER_ACCOUNT`],
//!   against guessing one account from many places (an IPv6 network has
//!   endless addresses). It slows every source *except* those the account
//!   has signed in from before ([`remember_source`]): the owner, signing in
//!   from where they usually do, is never slowed by a stranger's failures.
//!
//! A source is an IPv4 address, or an IPv6 address's /64 ([`source_key`]).
//! An attempt is counted *before* its password is checked, in one
//! transaction, so a burst of parallel guesses cannot slip past the count;
//! success takes it back. The same counters, under their own account keys,
//! throttle the current-password check of a password change (per user) and
//! "forgot password" requests (per source).

use crate::error::Result;
use crate::storage::{now, Db};
use sqlx::{AnyPool, Row};
use std::net::IpAddr;

pub const FREE_PER_PAIR: i64 = 5;
pub const FREE_PER_SOURCE: i64 = 50;
pub const FREE_PER_ACCOUNT: i64 = 20;
pub const FIRST_DELAY_SECS: i64 = 10;
pub const LONGEST_DELAY_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten (the count starts again).
pub const WINDOW_SECS: i64 = 15 * 60;
/// The source of the per-account counter: every source at once.
pub const EVERY_SOURCE: &str = "*";
/// A source an account signed in from stays known this long after the last time.
const KNOWN_FOR_SECS: i64 = 90 * 24 * 3600;

/// The wait after `failures` failures, of which `free` cost nothing.
pub fn delay_secs(failures: i64, free: i64) -> i64 {
    let over = failures - free;
    if over <= 0 {
        return 0;
    }
    FIRST_DELAY_SECS.saturating_mul(1 << (over - 1).min(20)).min(LONGEST_DELAY_SECS)
}

/// What a client is counted as: an IPv4 address (an IPv4-mapped IPv6 one
/// too), or an IPv6 address's /64, the network one subscriber gets and
/// can pick any of its addresses from.
pub fn source_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

/// One counter an attempt is counted against.
#[derive(Debug, Clone, Copy)]
pub struct Counter<'a> {
    pub source: &'a str,
    pub account: &'a str,
    /// Failures in the window that cost nothing.
    pub free: i64,
    /// Whether its delay applies to this attempt (it is counted either way).
    pub enforced: bool,
}

/// What counting an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Seconds until an enforced counter lets attempts through again; 0: go ahead.
    /// (The first attempt over the free ones goes through and starts the wait.)
    pub wait_secs: i64,
    /// How far past its free attempts the fullest enforced counter is (this
    /// attempt included); 1 for the first one over.
    pub over_free: i64,
}

/// Counts an attempt against each of `counters`, in one transaction.
pub async fn count(db: &Db, counters: &[Counter<'_>]) -> Result<Verdict> {
    let now = now();
    let mut tx = db.begin().await?;
    let mut verdict = Verdict::default();
    for counter in counters {
        let row = sqlx::query(
            "INSERT INTO sign_in_throttle (source, account, failures, last_failure_at, blocked_until) VALUES ($1, $2, 1, $3, 0) \
             ON CONFLICT (source, account) DO UPDATE SET \
             failures = CASE WHEN sign_in_throttle.last_failure_at <= $4 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
             last_failure_at = $3 \
             RETURNING failures, blocked_until",
        )
        .bind(counter.source)
        .bind(counter.account)
        .bind(now)
        .bind(now - WINDOW_SECS)
        .fetch_one(&mut *tx)
        .await?;
        let (failures, blocked_until): (i64, i64) = (row.try_get("failures")?, row.try_get("blocked_until")?);
        if counter.enforced {
            verdict.wait_secs = verdict.wait_secs.max(blocked_until - now);
            verdict.over_free = verdict.over_free.max(failures - counter.free);
        }
        let delay = delay_secs(failures, counter.free);
        if delay > 0 && blocked_until <= now {
            sqlx::query("UPDATE sign_in_throttle SET blocked_until = $3 WHERE source = $1 AND account = $2")
                .bind(counter.source)
                .bind(counter.account)
                .bind(now + delay)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(verdict)
}

/// Counts a sign-in attempt of `source` as `account`: `Err(seconds)` when one
/// of its counters is still waiting, and the attempt must be refused without
/// looking at the password.
pub async fn count_sign_in(db: &Db, source: IpAddr, account: &str) -> Result<std::result::Result<(), i64>> {
    let (source, account) = (source_key(source), account.to_lowercase());
    let known = is_known(db.reads(), &account, &source).await?;
    let verdict = count(
        db,
        &[
            Counter { source: &source, account: &account, free: FREE_PER_PAIR, enforced: true },
            Counter { source: &source, account: "", free: FREE_PER_SOURCE, enforced: true },
            Counter { source: EVERY_SOURCE, account: &account, free: FREE_PER_ACCOUNT, enforced: !known },
        ],
    )
    .await?;
    Ok(if verdict.wait_secs > 0 { Err(verdict.wait_secs) } else { Ok(()) })
}

/// A successful sign-in: the pair starts afresh, the source's count takes
/// back this attempt (an office behind one address signs in a lot), and the
/// source becomes one the account is known to sign in from. The account's
/// own count stays: whoever else is guessing goes on being slowed.
pub async fn forget_success(db: &Db, source: IpAddr, account: &str) -> Result<()> {
    let (source, account) = (source_key(source), account.to_lowercase());
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sign_in_throttle WHERE source = $1 AND account = $2").bind(&source).bind(&account).execute(&mut *tx).await?;
    sqlx::query("UPDATE sign_in_throttle SET failures = failures - 1 WHERE source = $1 AND account = '' AND failures > 0")
        .bind(&source)
        .execute(&mut *tx)
        .await?;
    remember_source(&mut tx, &account, &source).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that `account` signed in from `source` (a key from [`source_key`]).
async fn remember_source(conn: &mut sqlx::AnyConnection, account: &str, source: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_known_source (account, source, last_success_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account, source) DO UPDATE SET last_success_at = $3",
    )
    .bind(account)
    .bind(source)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn is_known(pool: &AnyPool, account: &str, source: &str) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS known FROM sign_in_known_source WHERE account = $1 AND source = $2 AND last_success_at > $3")
        .bind(account)
        .bind(source)
        .bind(now() - KNOWN_FOR_SECS)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// Clears one counter (a password change that succeeded, say).
pub async fn forget(db: &Db, source: &str, account: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE source = $1 AND account = $2").bind(source).bind(account).execute(db.writes()).await?;
    Ok(())
}

/// The account's password was reset: whatever was counted against it goes.
pub async fn forget_account(conn: &mut sqlx::AnyConnection, account: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE account = $1").bind(account.to_lowercase()).execute(&mut *conn).await?;
    Ok(())
}

/// Removes counters that have gone quiet, and sources not signed in from
/// for [`KNOWN_FOR_SECS`]: the tables hold only the last window's attackers,
/// however many addresses they came from.
pub async fn sweep(db: &Db) -> Result<u64> {
    let now = now();
    let counters = sqlx::query("DELETE FROM sign_in_throttle WHERE last_failure_at <= $1 AND blocked_until <= $2")
        .bind(now - WINDOW_SECS)
        .bind(now)
        .execute(db.writes())
        .await?;
    let known = sqlx::query("DELETE FROM sign_in_known_source WHERE last_success_at <= $1").bind(now - KNOWN_FOR_SECS).execute(db.writes()).await?;
    Ok(counters.rows_affected() + known.rows_affected())
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

    #[test]
    fn ipv6_sources_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(source_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(source_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(source_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
        assert_eq!(source_key(ip("2001:db8:1:2::1")), source_key(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(source_key(ip("2001:db8:1:2::1")), source_key(ip("2001:db8:1:3::1")));
    }
}
