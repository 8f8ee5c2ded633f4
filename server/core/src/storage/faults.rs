//! Storage faults: which database errors are the database's trouble rather
//! than a bug, how they are answered, and how an episode of them is noticed,
//! told once, and ended by itself.
//!
//! - [`Trouble::Busy`]: contention (a lock held past its wait, a serialization
//!   failure): `503 unavailable`, try again at once. No episode: it is load.
//! - [`Trouble::Unreachable`]: the database is down, restarting, refused or
//!   dropped the connection, or no connection came within the wait:
//!   `503 storage_unavailable`.
//! - [`Trouble::Full`]: its disk is full (SQLite's `SQLITE_FULL`, PostgreSQL's
//!   `53100 disk_full`): `503 storage_full`.
//!
//! The first unreachable or full error opens an episode: logged at ERROR
//! once with its cause (not once per request), `/readyz` answering 503 with
//! the cause so a load balancer stops sending traffic. The watch
//! ([`spawn_watch`]) then writes to the database (a 64 KiB row, so that a disk
//! with a few bytes left does not pass) at once and every [`PROBE_EVERY`]; the
//! first write that commits ends the episode, logged with how long it lasted.
//! Every such error is counted in `gatehouse_storage_errors_total{kind}`.
//! Nothing needs a restart: a connection broken by the fault is never reused
//! (see `Tx`), and the pools open fresh ones.

use super::{now, Db, Engine};
use std::path::Path;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// How often the watch writes to the database while an episode lasts.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How long writes must work (probes commit, and no request meets the
/// trouble) before an episode ends.
pub const QUIET: Duration = Duration::from_secs(10);
/// How long one probe may take before it counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the data dir's free space is looked at (SQLite).
const SPACE_EVERY: Duration = Duration::from_secs(30);
/// The probe's row: big enough that a nearly full disk refuses it.
const PROBE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Busy,
    Unreachable,
    Full,
}

impl Trouble {
    /// The `kind` label of `gatehouse_storage_errors_total`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trouble::Busy => "busy",
            Trouble::Unreachable => "unavailable",
            Trouble::Full => "full",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Trouble::Busy => "the database is busy",
            Trouble::Unreachable => "the database is unreachable",
            Trouble::Full => "the database's disk is full",
        }
    }
}

/// What kind of storage trouble `err` is; `None` for anything else (a
/// constraint, a bug: those are the caller's or ours, not the database's).
pub fn classify(err: &sqlx::Error) -> Option<Trouble> {
    match err {
        // No connection within the wait: the pool was exhausted, or (more
        // often, when it lasts) the server refuses connections while it restarts.
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(Trouble::Unreachable),
        // The connection broke under the statement (reset, refused, closed).
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Some(Trouble::Unreachable),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            match code.parse::<i32>() {
                // SQLite: the primary code is the low byte of the extended one.
                Ok(sqlite) => match sqlite & 0xff {
                    5 | 6 => Some(Trouble::Busy),          // BUSY, LOCKED
                    13 => Some(Trouble::Full),             // FULL
                    10 | 14 => Some(Trouble::Unreachable), // IOERR, CANTOPEN
                    _ => None,
                },
                // PostgreSQL SQLSTATEs.
                Err(_) => match code.as_ref() {
                    "40001" | "40P01" | "53300" | "55P03" => Some(Trouble::Busy),
                    "53100" => Some(Trouble::Full),
                    // admin_shutdown, crash_shutdown, cannot_connect_now, and
                    // the connection exceptions (class 08).
                    "57P01" | "57P02" | "57P03" => Some(Trouble::Unreachable),
                    c if c.starts_with("08") => Some(Trouble::Unreachable),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

/// An open episode: since when, why, and how many errors it has seen.
#[derive(Debug, Clone)]
pub struct Episode {
    pub trouble: Trouble,
    pub cause: String,
    started: Instant,
    errors: u64,
    /// When the last request or task met this trouble.
    last_error: Instant,
    /// Since when every probe has committed (none failed after), if one has.
    probes_ok_since: Option<Instant>,
}

impl Episode {
    /// What `/readyz` says while it lasts.
    pub fn reason(&self) -> String {
        format!("{} ({}) for {} s", self.trouble.describe(), self.cause, self.started.elapsed().as_secs())
    }
}

#[derive(Default)]
struct Faults {
    episode: Mutex<Option<Episode>>,
    /// Rung at an episode's first error: the watch probes at once.
    probe_now: Notify,
}

static FAULTS: LazyLock<Faults> = LazyLock::new(Faults::default);

fn episode_slot() -> std::sync::MutexGuard<'static, Option<Episode>> {
    // Nothing fallible runs under this lock, so it cannot be poisoned; should
    // it be, its plain data is still good.
    FAULTS.episode.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Classifies a database error and, when it is storage trouble, records it
/// ([`noticed`]).
pub fn note(err: &sqlx::Error) -> Option<Trouble> {
    let trouble = classify(err)?;
    noticed(trouble, err);
    Some(trouble)
}

/// Records a storage error that a service met: counted, and told once per episode.
fn noticed(trouble: Trouble, err: &sqlx::Error) {
    crate::metrics::METRICS.storage_error(trouble.as_str());
    if trouble == Trouble::Busy {
        return;
    }
    let cause = err.to_string();
    let opened = {
        let mut slot = episode_slot();
        match slot.as_mut() {
            Some(open) if open.trouble == trouble => {
                open.errors += 1;
                open.last_error = Instant::now();
                open.probes_ok_since = None;
                false
            }
            _ => {
                let now = Instant::now();
                *slot = Some(Episode { trouble, cause: cause.clone(), started: now, errors: 1, last_error: now, probes_ok_since: None });
                true
            }
        }
    };
    if opened {
        tracing::error!(kind = trouble.as_str(), %cause, "storage fault: {}; answering 503 and probing every {} s until it recovers", trouble.describe(), PROBE_EVERY.as_secs());
        FAULTS.probe_now.notify_one();
    }
}

/// The open episode, if any (for `/readyz`).
pub fn current() -> Option<Episode> {
    episode_slot().clone()
}

/// A probe's outcome. The episode ends once probes have committed, and no
/// request or task has met the trouble, for [`QUIET`]: a probe's write may
/// fit where a request's does not (SQLite reuses the space of a log it has
/// checkpointed), and an episode that flapped open and shut would be told
/// again at every request.
fn probed(ok: bool) {
    let ended = {
        let mut slot = episode_slot();
        let Some(open) = slot.as_mut() else { return };
        if !ok {
            open.probes_ok_since = None;
            return;
        }
        let since = *open.probes_ok_since.get_or_insert_with(Instant::now);
        if since.elapsed() < QUIET || open.last_error.elapsed() < QUIET {
            return;
        }
        slot.take()
    };
    let Some(ended) = ended else { return };
    tracing::warn!(
        kind = ended.trouble.as_str(),
        errors = ended.errors,
        lasted_secs = ended.started.elapsed().as_secs(),
        "storage recovered: writes commit again"
    );
}

/// One write that must commit: the probe row, rewritten with [`PROBE_BYTES`].
pub(crate) async fn probe(db: &Db) -> Result<(), sqlx::Error> {
    let write = sqlx::query(
        "INSERT INTO storage_probe (id, written_at, pad) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at, pad = excluded.pad",
    )
    .bind(now())
    .bind(vec![0u8; PROBE_BYTES])
    .execute(&db.writes);
    match tokio::time::timeout(PROBE_TIMEOUT, write).await {
        Ok(done) => done.map(|_| ()),
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// Bytes free for an unprivileged writer on the file system holding `path`.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Probes while an episode is open and ends it; on SQLite, also warns (once
/// per episode) while the data dir has less than `min_free_bytes` free.
/// Supervised (`crate::supervise`).
pub fn spawn_watch(db: Db, min_free_bytes: u64, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    crate::supervise::supervise("storage_watch", shutdown.clone(), move || keep_watch(db.clone(), min_free_bytes, shutdown.clone()))
}

async fn keep_watch(db: Db, min_free_bytes: u64, mut shutdown: watch::Receiver<bool>) {
    let mut low_on_space = false;
    // None: not looked at yet (so at once).
    let mut space_checked: Option<Instant> = None;
    loop {
        let pause = if current().is_some() { PROBE_EVERY } else { SPACE_EVERY };
        if current().is_some() {
            match probe(&db).await {
                Ok(()) => probed(true),
                Err(e) => {
                    tracing::debug!(error = %e, "storage probe failed; still waiting");
                    probed(false);
                }
            }
        }
        if db.engine == Engine::Sqlite && space_checked.is_none_or(|at| at.elapsed() >= SPACE_EVERY) {
            space_checked = Some(Instant::now());
            if let Some(free) = db.data_dir().and_then(free_bytes) {
                let low = free < min_free_bytes;
                if low && !low_on_space {
                    tracing::warn!(free_bytes = free, min_free_bytes, "the data dir is low on space: writes will fail when it fills (GATEHOUSE_MIN_FREE_MB)");
                } else if !low && low_on_space {
                    tracing::info!(free_bytes = free, "the data dir has enough space again");
                }
                low_on_space = low;
            }
        }
        tokio::select! {
            _ = FAULTS.probe_now.notified() => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_timeout_or_a_broken_connection_is_unreachable() {
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), Some(Trouble::Unreachable));
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        assert_eq!(classify(&sqlx::Error::Io(reset)), Some(Trouble::Unreachable));
        assert_eq!(classify(&sqlx::Error::RowNotFound), None);
    }
}
