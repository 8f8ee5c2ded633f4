//! Host settings → Backup and restore, as the dashboard and the REST API
//! see it: the automatic backups, the password a backup or the key asks
//! for, and the key shown.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/backups`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupOverview {
    /// Absent when `GATEHOUSE_BACKUP_DIR` is not set on the instance that answered.
    pub automatic: Option<AutomaticBackups>,
}

/// The automatic backups of the instance that answered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomaticBackups {
    /// Where they are written (`GATEHOUSE_BACKUP_DIR`).
    pub dir: String,
    /// Hours between two (`GATEHOUSE_BACKUP_INTERVAL_HOURS`).
    pub interval_hours: u64,
    /// How many are kept (`GATEHOUSE_BACKUP_KEEP`).
    pub keep: u32,
    /// The files there, newest first.
    pub files: Vec<BackupListed>,
    /// When this instance last wrote one (Unix seconds), since it started.
    pub last_success_at: Option<i64>,
    /// The last attempt's failure, while the last attempt failed.
    pub last_failure: Option<BackupFailure>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupListed {
    pub name: String,
    /// Unix seconds.
    pub taken_at: i64,
    /// Bytes.
    pub size: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFailure {
    /// Unix seconds.
    pub at: i64,
    pub message: String,
}

/// The signed-in admin's password, re-entered: making a backup, seeing or
/// resetting the backup key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordConfirmation {
    pub password: String,
}

impl std::fmt::Debug for PasswordConfirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordConfirmation { password: <hidden> }")
    }
}

/// The backup key: keep it apart from the backup files (a password manager,
/// a secret store); without it a backup cannot be restored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupKeyShown {
    /// 44 characters of base64, as `gatehouse restore --key-file` reads it.
    pub key: String,
    /// Names the key without revealing it; a backup file made with another key says which it needs.
    pub fingerprint: String,
    /// Unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for BackupKeyShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupKeyShown").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

/// A backup made for the dashboard: the file, to save.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupDownload {
    pub name: String,
    /// The file's bytes, base64.
    pub data: String,
}

impl std::fmt::Debug for BackupDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupDownload").field("name", &self.name).field("bytes", &(self.data.len() / 4 * 3)).finish()
    }
}
