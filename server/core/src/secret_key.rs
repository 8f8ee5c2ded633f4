//! The instance's secret key: 32 random bytes in `<data dir>/secret.key`, mode
//! 0600 (created so on first start, and kept so by the `owner_only` module).
//! Secrets at rest (the SMTP relay password, queued emails' bodies) are
//! sealed with it, so the database alone does not reveal them, and without it
//! they cannot be opened: back it up.

use anyhow::Context;
use std::io::Write;
use std::path::Path;

pub const FILE_NAME: &str = "secret.key";

#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key from a file the operator provides (`GATEHOUSE_SECRET_KEY_FILE`,
    /// a mounted secret): exactly 32 bytes, as `secret.key` holds them, so a
    /// copy of that file serves; or their base64 (`openssl rand -base64 32`),
    /// trailing newlines trimmed, as secret stores hold text. Nothing else
    /// passes: a key of the wrong length would seal with something else than
    /// what the operator keeps.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        use base64::Engine as _;
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(Self(key));
        }
        let text = std::str::from_utf8(&bytes).unwrap_or_default().trim_end_matches(['\n', '\r']);
        let decoded = base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default();
        let key: [u8; 32] = decoded
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} must hold a key of 32 bytes: the bytes themselves (a copy of secret.key), or their base64", path.display()))?;
        Ok(Self(key))
    }

    /// Reads the key; when there is none, creates one (owner-only) unless the
    /// database already holds data sealed with a key (`sealed_data_exists`):
    /// a new key could not open it, so that is refused with what to do.
    pub fn load_or_create_for(data_dir: &Path, sealed_data_exists: bool) -> anyhow::Result<Self> {
        let path = data_dir.join(FILE_NAME);
        if sealed_data_exists && !path.exists() {
            anyhow::bail!(
                "{} is missing, but the database holds data sealed with it (the SMTP password, queued emails). \
                 Restore the file from your backup and start again. To give that data up instead, clear it: \
                 save the SMTP configuration again and discard the queued emails after starting with a new key \
                 (delete the smtp_config row and the outbox rows whose body is 'sealed').",
                path.display()
            );
        }
        Self::load_or_create(data_dir)
    }

    /// Reads the key, creating it (owner-only) when it does not exist yet.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("{} must hold exactly 32 bytes", path.display()))?;
                Ok(Self(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::getrandom(&mut key).context("reading the OS random number generator")?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(&path) {
                    Ok(mut file) => {
                        file.write_all(&key)?;
                        file.sync_all()?;
                        Ok(Self(key))
                    }
                    // Another process made it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(data_dir),
                    Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
                }
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provided_key_is_its_32_bytes_or_their_base64() {
        use base64::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        // A raw key ending in a newline byte keeps it: 32 bytes are taken as they are.
        let raw = [b'\n'; 32];
        std::fs::write(&file, raw).unwrap();
        assert_eq!(SecretKey::from_file(&file).unwrap().bytes(), &raw);
        let key = [7u8; 32];
        std::fs::write(&file, format!("{}\n", base64::engine::general_purpose::STANDARD.encode(key))).unwrap();
        assert_eq!(SecretKey::from_file(&file).unwrap().bytes(), &key);
        for bad in [&b"short"[..], &[0u8; 33][..], &b"c2hvcnQ=\n"[..]] {
            std::fs::write(&file, bad).unwrap();
            assert!(SecretKey::from_file(&file).unwrap_err().to_string().contains("must hold a key of 32 bytes"));
        }
        assert!(SecretKey::from_file(&dir.path().join("none")).is_err());
        assert!(!dir.path().join(FILE_NAME).exists(), "a provided key never writes secret.key");
    }

    #[test]
    fn is_created_once_owner_only_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretKey::load_or_create(dir.path()).unwrap();
        let second = SecretKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
