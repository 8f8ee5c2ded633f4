//! Backup and restore (Host settings → Backup and restore; `gatehouse
//! backup`, `restore`, `backup-key`): one encrypted file with everything the
//! instance holds, taken while it runs, on either engine, restorable into
//! either engine.
//!
//! * [`tables`]: what a backup carries and what it leaves behind, and why.
//! * [`snapshot`]: one moment of the database, read in one transaction.
//! * [`file`]: the file format, encrypted under the [`key`] (never with
//!   nothing); the key is kept apart from the files.
//! * [`restore`]: exactly into an empty instance; only what is missing
//!   into one with data.
//! * [`automatic`]: backups on a schedule into a directory.
//!
//! Making a file or seeing the key is a host admin's with their password
//! re-entered in a signed-in session (like minting a token: a token cannot
//! reach beyond itself), or the operator's; restoring is the operator's.

pub mod automatic;
mod file;
mod key;
mod restore;
mod snapshot;
mod tables;

pub use file::Unreadable;
pub use key::BackupKey;
pub use restore::RestoreReport;

use crate::audit::{self, Actor, Entry};
use crate::auth::{Auth, HostAdmin};
use crate::error::{Failure, Result};
use crate::operator::Operator;
use crate::secret_key::SecretKey;
use crate::storage::{now, Db};
use automatic::{Automatic, AutomaticSettings};
use shared::audit::AuditAction;
use shared::backup::BackupKeyShown;
use std::sync::Arc;

/// The backup capability's context.
#[derive(Clone)]
pub struct Backups {
    db: Db,
    secret: SecretKey,
    automatic: Option<Arc<Automatic>>,
}

impl Backups {
    pub fn new(db: Db, secret: SecretKey, automatic: Option<AutomaticSettings>) -> Self {
        let automatic = automatic.map(|settings| Arc::new(Automatic { settings, status: Default::default() }));
        Self { db, secret, automatic }
    }
}

/// A backup made: its bytes and the name to save it under.
pub struct BackupFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl BackupFile {
    /// For the dashboard, which saves it from the browser.
    pub fn into_download(self) -> shared::backup::BackupDownload {
        use base64::Engine as _;
        shared::backup::BackupDownload { name: self.name, data: base64::engine::general_purpose::STANDARD.encode(self.bytes) }
    }
}

/// A backup file, now: every carried table at one moment, encrypted under
/// the current backup key. Audited as `actor`'s.
pub(crate) async fn make(backups: &Backups, actor: &Actor<'_>) -> Result<BackupFile> {
    let (key, _) = key::current(&backups.db, &backups.secret).await?;
    let snapshot = snapshot::take(&backups.db, &backups.secret).await?;
    let json = serde_json::to_vec(&snapshot).map_err(|e| Failure::internal("writing a backup", e))?;
    let name = automatic::file_name(snapshot.taken_at);
    let bytes = file::seal(&key, &json);
    let detail = format!("{} bytes, key {}", bytes.len(), key.fingerprint());
    audit::record(backups.db.writes(), Entry::new(*actor, AuditAction::BackupCreated).target(&name).detail(&detail)).await?;
    Ok(BackupFile { name, bytes })
}

/// `gatehouse backup`.
pub async fn make_for_operator(backups: &Backups, operator: &Operator) -> Result<BackupFile> {
    make(backups, &operator.actor()).await
}

/// "Create backup", after the admin's password.
pub async fn make_for_admin(backups: &Backups, auth: &Auth, admin: HostAdmin<'_>, password: &str) -> Result<BackupFile> {
    crate::auth::service::confirm_password(auth, &admin, "making a backup", password).await?;
    make(backups, &admin.actor()).await
}

/// `gatehouse backup-key show`.
pub async fn key_for_operator(backups: &Backups, operator: &Operator) -> Result<BackupKeyShown> {
    shown(backups, &operator.actor()).await
}

/// The backup key, after the admin's password.
pub async fn key_for_admin(backups: &Backups, auth: &Auth, admin: HostAdmin<'_>, password: &str) -> Result<BackupKeyShown> {
    crate::auth::service::confirm_password(auth, &admin, "seeing the backup key", password).await?;
    shown(backups, &admin.actor()).await
}

async fn shown(backups: &Backups, actor: &Actor<'_>) -> Result<BackupKeyShown> {
    let (key, created_at) = key::current(&backups.db, &backups.secret).await?;
    audit::record(backups.db.writes(), Entry::new(*actor, AuditAction::BackupKeyShown).detail(&key.fingerprint())).await?;
    Ok(BackupKeyShown { key: key.expose(), fingerprint: key.fingerprint(), created_at })
}

/// `gatehouse backup-key reset`.
pub async fn reset_key_for_operator(backups: &Backups, operator: &Operator) -> Result<BackupKeyShown> {
    reset_key(backups, &operator.actor()).await
}

/// "Reset key", after the admin's password.
pub async fn reset_key_for_admin(backups: &Backups, auth: &Auth, admin: HostAdmin<'_>, password: &str) -> Result<BackupKeyShown> {
    crate::auth::service::confirm_password(auth, &admin, "resetting the backup key", password).await?;
    reset_key(backups, &admin.actor()).await
}

async fn reset_key(backups: &Backups, actor: &Actor<'_>) -> Result<BackupKeyShown> {
    let mut tx = backups.db.begin().await?;
    let (key, created_at) = key::replace(&mut tx, &backups.secret).await?;
    audit::record(&mut *tx, Entry::new(*actor, AuditAction::BackupKeyReset).detail(&key.fingerprint())).await?;
    tx.commit().await?;
    Ok(BackupKeyShown { key: key.expose(), fingerprint: key.fingerprint(), created_at })
}

/// Why a restore did not start: the file cannot be opened with this key,
/// or a newer Gatehouse made it. Nothing was changed.
pub enum RestoreRefused {
    Unreadable(Unreadable),
    NewerSchema { backup: i64, here: i64 },
    Failed(Failure),
}

impl From<Failure> for RestoreRefused {
    fn from(f: Failure) -> Self {
        Self::Failed(f)
    }
}

/// `gatehouse restore`: checks the file (format, key, integrity, schema)
/// before touching anything, then loads it in one transaction.
pub async fn restore(backups: &Backups, operator: &Operator, bytes: &[u8], key: &BackupKey) -> std::result::Result<RestoreReport, RestoreRefused> {
    let json = file::open(key, bytes).map_err(RestoreRefused::Unreadable)?;
    let snapshot: snapshot::Snapshot = serde_json::from_slice(&json).map_err(|_| RestoreRefused::Unreadable(Unreadable::Damaged))?;
    let here = crate::storage::newest_migration();
    if snapshot.schema > here {
        return Err(RestoreRefused::NewerSchema { backup: snapshot.schema, here });
    }
    let mut tx = backups.db.begin().await.map_err(Failure::from)?;
    let report = restore::load(&mut tx, backups.db.engine, &backups.secret, &snapshot).await?;
    let detail = format!("from {} taken at {} ({}): {}", snapshot.engine, snapshot.taken_at, snapshot.version, report.summary());
    audit::record(&mut *tx, Entry::new(operator.actor(), AuditAction::BackupRestored).detail(&detail)).await?;
    tx.commit().await.map_err(Failure::from)?;
    Ok(report)
}

/// Host settings → Backup and restore: the automatic backups, if set up.
pub fn overview(backups: &Backups, _admin: HostAdmin<'_>) -> Result<shared::backup::BackupOverview> {
    let Some(automatic) = &backups.automatic else {
        return Ok(shared::backup::BackupOverview { automatic: None });
    };
    let settings = &automatic.settings;
    let status = automatic.status.lock().unwrap_or_else(|p| p.into_inner());
    let mut last_failure = status.last_failure.as_ref().map(|(at, message)| shared::backup::BackupFailure { at: *at, message: message.clone() });
    let files = match automatic::list(&settings.dir) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            last_failure.get_or_insert(shared::backup::BackupFailure { at: now(), message: format!("{} cannot be read: {e}", settings.dir.display()) });
            Vec::new()
        }
    };
    Ok(shared::backup::BackupOverview {
        automatic: Some(shared::backup::AutomaticBackups {
            dir: settings.dir.display().to_string(),
            interval_hours: settings.every.as_secs() / 3600,
            keep: settings.keep as u32,
            files: files.into_iter().map(|f| shared::backup::BackupListed { name: f.name, taken_at: f.taken_at, size: f.size }).collect(),
            last_success_at: status.last_success_at,
            last_failure,
        }),
    })
}
