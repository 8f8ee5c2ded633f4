//! The backup key: 32 random bytes that backup files are encrypted with,
//! kept apart from them. The instance keeps its current one in the
//! database, sealed with its secret key (so every instance on a shared
//! PostgreSQL has the same); host admins see it after re-entering their
//! password, the operator with `gatehouse backup-key show`, and store it
//! somewhere else than the backups. Its text form is base64.

use crate::error::Result;
use crate::seal::{self, Purpose};
use crate::secret_key::SecretKey;
use crate::storage::{now, Db};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct BackupKey([u8; 32]);

impl std::fmt::Debug for BackupKey {
    // Never the key itself: it opens every backup.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackupKey({})", self.fingerprint())
    }
}

impl BackupKey {
    pub(crate) fn generate() -> Self {
        // The same source every nonce and token comes from (OsRng).
        use chacha20poly1305::aead::{rand_core::RngCore, OsRng};
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as an operator saves it (`--key-file`): base64, trailing
    /// whitespace ignored.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| "a backup key is 44 characters of base64, as `gatehouse backup-key show` prints it".to_owned())?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "a backup key is 32 bytes (44 characters of base64)".to_owned())?;
        Ok(Self(key))
    }

    pub fn expose(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn fingerprint_bytes(&self) -> [u8; 8] {
        let digest = Sha256::new().chain_update(b"gatehouse:backup-key-fingerprint:v1").chain_update(self.0).finalize();
        let mut out = [0u8; 8];
        out.copy_from_slice(&digest[..8]);
        out
    }

    /// Names the key without revealing it: on the page, in the CLI, and in
    /// the error for a file made with another key.
    pub fn fingerprint(&self) -> String {
        super::file::hex(&self.fingerprint_bytes())
    }
}

/// The instance's key and when it was made; made now if there is none yet.
/// Two instances making one at once agree on whichever was stored first.
pub(crate) async fn current(db: &Db, secret: &SecretKey) -> Result<(BackupKey, i64)> {
    let fresh = BackupKey::generate();
    sqlx::query("INSERT INTO backup_key (id, key_sealed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(seal::seal(secret, Purpose::BackupKey, &fresh.expose()))
        .bind(now())
        .execute(db.writes())
        .await?;
    let (sealed, created_at): (String, i64) = sqlx::query_as("SELECT key_sealed, created_at FROM backup_key WHERE id = 1").fetch_one(db.reads()).await?;
    Ok((opened(secret, &sealed)?, created_at))
}

/// Replaces the key: backups made from now on need the new one; older files
/// still need the key they were made with.
pub(crate) async fn replace(conn: &mut sqlx::AnyConnection, secret: &SecretKey) -> Result<(BackupKey, i64)> {
    let fresh = BackupKey::generate();
    let at = now();
    sqlx::query(
        "INSERT INTO backup_key (id, key_sealed, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET key_sealed = $1, created_at = $2",
    )
    .bind(seal::seal(secret, Purpose::BackupKey, &fresh.expose()))
    .bind(at)
    .execute(conn)
    .await?;
    Ok((fresh, at))
}

fn opened(secret: &SecretKey, sealed: &str) -> Result<BackupKey> {
    let text = seal::open(secret, Purpose::BackupKey, sealed)?;
    BackupKey::parse(&text).map_err(|why| crate::error::Failure::internal("the stored backup key is malformed", &why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_text_form_round_trips_and_nothing_else_parses() {
        let key = BackupKey::generate();
        let text = key.expose();
        assert_eq!(text.len(), 44);
        assert_eq!(BackupKey::parse(&format!("{text}\n")).unwrap().0, key.0);
        assert!(BackupKey::parse("not base64!").is_err());
        assert!(BackupKey::parse(&STANDARD.encode([7u8; 16])).is_err());
        assert_ne!(key.fingerprint(), BackupKey::generate().fingerprint());
        assert!(!format!("{key:?}").contains(&text));
    }
}
