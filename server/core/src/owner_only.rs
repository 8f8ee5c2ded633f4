//! The data dir and what Gatehouse keeps in it are its owner's alone: the
//! dir 0700; the SQLite database, its `-wal` and `-shm`, and `secret.key`
//! 0600. They are created so; and on every start, [`tighten`] takes back
//! whatever has widened them since (a restore from a backup, a copy, a
//! umask, a chmod), saying in the log at WARN what it changed. Only ever
//! narrower: a mode already inside these is left as it is.

use std::path::{Path, PathBuf};

/// The most a directory of Gatehouse's may allow: its owner, everything.
pub const DIR_MODE: u32 = 0o700;
/// The most a file of Gatehouse's may allow: its owner, read and write.
pub const FILE_MODE: u32 = 0o600;

/// A permission Gatehouse narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    pub was: u32,
    pub now: u32,
}

/// Narrows the data dir to [`DIR_MODE`], and to [`FILE_MODE`] the SQLite
/// `database` (when Gatehouse's database is one), its `-wal` and `-shm`, and
/// the secret key, those that exist. What it cannot change it says at WARN
/// (with the command that would), and start goes on: the files still work.
pub fn tighten(data_dir: &Path, database: Option<&Path>) -> Vec<Tightened> {
    let mut paths = vec![(data_dir.to_owned(), DIR_MODE), (data_dir.join(crate::secret_key::FILE_NAME), FILE_MODE)];
    if let Some(db) = database {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            paths.push((PathBuf::from(name), FILE_MODE));
        }
    }
    paths.into_iter().filter_map(|(path, most)| narrow(&path, most)).collect()
}

#[cfg(unix)]
fn narrow(path: &Path, most: u32) -> Option<Tightened> {
    use std::os::unix::fs::PermissionsExt;
    // A file that is not there yet is made owner-only when it is made.
    let was = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    if was & !most == 0 {
        return None;
    }
    let now = was & most;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(now)) {
        Ok(()) => {
            tracing::warn!(path = %path.display(), was = %format_args!("{was:04o}"), now = %format_args!("{now:04o}"), "permissions tightened: others than its owner had access");
            Some(Tightened { path: path.to_owned(), was, now })
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), mode = %format_args!("{was:04o}"), error = %e, "others than its owner have access, and Gatehouse cannot change that; run: chmod {:o} {}", most, path.display());
            None
        }
    }
}

#[cfg(not(unix))]
fn narrow(_path: &Path, _most: u32) -> Option<Tightened> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn set(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn wider_modes_are_narrowed_to_the_owner_and_said() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let db = data.join("gatehouse.db");
        for (name, wide) in [("gatehouse.db", 0o666), ("gatehouse.db-wal", 0o644), ("secret.key", 0o640)] {
            std::fs::write(data.join(name), b"x").unwrap();
            set(&data.join(name), wide);
        }
        set(&data, 0o755);

        let changed = tighten(&data, Some(&db));
        let said: Vec<(String, u32, u32)> = changed.iter().map(|t| (t.path.file_name().unwrap().to_string_lossy().into_owned(), t.was, t.now)).collect();
        assert_eq!(
            said,
            [
                ("data".to_owned(), 0o755, 0o700),
                ("secret.key".to_owned(), 0o640, 0o600),
                ("gatehouse.db".to_owned(), 0o666, 0o600),
                ("gatehouse.db-wal".to_owned(), 0o644, 0o600)
            ]
        );
        assert_eq!((mode(&data), mode(&db), mode(&data.join("secret.key"))), (0o700, 0o600, 0o600));
        assert!(!data.join("gatehouse.db-shm").exists(), "what is not there is not made");
        assert!(tighten(&data, Some(&db)).is_empty(), "the next start has nothing to say");
    }

    #[test]
    fn narrower_modes_are_left_alone() {
        let data = tempfile::tempdir().unwrap();
        let key = data.path().join("secret.key");
        std::fs::write(&key, b"x").unwrap();
        set(&key, 0o400);
        set(data.path(), 0o500);
        assert!(tighten(data.path(), None).is_empty());
        assert_eq!((mode(&key), mode(data.path())), (0o400, 0o500));
        set(data.path(), 0o700);
    }
}
