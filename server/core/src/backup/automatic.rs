//! Automatic backups: with `GATEHOUSE_BACKUP_DIR` set, each instance writes
//! a backup there every `GATEHOUSE_BACKUP_INTERVAL_HOURS` and keeps the
//! newest `GATEHOUSE_BACKUP_KEEP`. The files are named by the time they were
//! taken (`gatehouse-backup-20261202T171500Z.ghbk`), so the next one is due
//! an interval after the newest, across restarts. A failure is logged, shown
//! on Host settings → Backup and restore and counted in `/metrics`
//! (`gatehouse_backup_failing`), and tried again after [`RETRY_AFTER`].

use super::Backups;
use crate::operator::Operator;
use crate::storage::now;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use tokio::sync::watch;

/// A failed automatic backup is tried again this soon (or at the interval, if shorter).
pub const RETRY_AFTER: Duration = Duration::from_secs(300);
const PREFIX: &str = "gatehouse-backup-";
const SUFFIX: &str = ".ghbk";

#[derive(Debug, Clone)]
pub struct AutomaticSettings {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// What the last automatic backup did (this instance's).
#[derive(Debug, Default)]
pub(crate) struct Status {
    pub last_success_at: Option<i64>,
    pub last_failure: Option<(i64, String)>,
}

pub(crate) struct Automatic {
    pub settings: AutomaticSettings,
    pub status: Mutex<Status>,
}

/// The name of a backup file taken at `at` (Unix time).
pub fn file_name(at: i64) -> String {
    let when = OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let stamp = when.format(format_description!("[year][month][day]T[hour][minute][second]Z")).unwrap_or_default();
    format!("{PREFIX}{stamp}{SUFFIX}")
}

/// When a file of ours was taken, from its name; `None` for other files.
fn taken_at(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let when = PrimitiveDateTime::parse(stamp, format_description!("[year][month][day]T[hour][minute][second]Z")).ok()?;
    Some(when.assume_utc().unix_timestamp())
}

/// A backup file in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub taken_at: i64,
    pub size: u64,
}

/// The backups in `dir`, newest first (other files are left alone).
pub fn list(dir: &Path) -> std::io::Result<Vec<Listed>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(taken_at) = taken_at(&name) {
            found.push(Listed { name, taken_at, size: entry.metadata()?.len() });
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.taken_at));
    Ok(found)
}

/// Writes `bytes` as `dir/name`, owner-only, whole or not at all (a
/// temporary file, synced, then renamed).
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, crate::owner_only::FILE_MODE);
    let mut file = options.open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Runs the automatic backups until `stopping` says stop.
pub fn spawn(_operator: &Operator, backups: Backups, stopping: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
    backups.automatic.as_ref()?;
    Some(crate::supervise::supervise("backups", stopping.clone(), move || run(backups.clone(), stopping.clone())))
}

async fn run(backups: Backups, mut stopping: watch::Receiver<bool>) {
    let Some(automatic) = backups.automatic.clone() else { return };
    let settings = &automatic.settings;
    loop {
        let wait = match list(&settings.dir).ok().and_then(|l| l.first().map(|f| f.taken_at)) {
            Some(newest) => Duration::from_secs((newest + settings.every.as_secs() as i64 - now()).max(0) as u64),
            None => Duration::ZERO,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.changed() => return,
        }
        match once(&backups, settings).await {
            Ok(written) => {
                tracing::info!(file = %written.display(), "automatic backup written");
                crate::metrics::METRICS.backup_written(now());
                let mut status = automatic.status.lock().unwrap_or_else(|p| p.into_inner());
                status.last_success_at = Some(now());
                status.last_failure = None;
            }
            Err(why) => {
                tracing::error!(dir = %settings.dir.display(), error = %why, "automatic backup failed");
                crate::metrics::METRICS.backup_failed();
                automatic.status.lock().unwrap_or_else(|p| p.into_inner()).last_failure = Some((now(), why));
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_AFTER.min(settings.every)) => {}
                    _ = stopping.changed() => return,
                }
            }
        }
    }
}

async fn once(backups: &Backups, settings: &AutomaticSettings) -> Result<PathBuf, String> {
    let file = super::make(backups, &crate::audit::Actor::gatehouse(None)).await.map_err(|f| f.0.message)?;
    let dir = settings.dir.clone();
    let keep = settings.keep;
    tokio::task::spawn_blocking(move || -> std::io::Result<PathBuf> {
        let written = write_file(&dir, &file.name, &file.bytes)?;
        for old in list(&dir)?.into_iter().skip(keep) {
            std::fs::remove_file(dir.join(old.name))?;
        }
        Ok(written)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("writing to {}: {e}", settings.dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_time_and_sort_by_it() {
        let name = file_name(1_796_231_700);
        assert_eq!(name, "gatehouse-backup-20261202T171500Z.ghbk");
        assert_eq!(taken_at(&name), Some(1_796_231_700));
        assert_eq!(taken_at("gatehouse-backup-notatime.ghbk"), None);
        assert_eq!(taken_at("notes.txt"), None);
    }
}
