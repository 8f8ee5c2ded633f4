//! The backup file: a short header, then the snapshot (JSON) encrypted with
//! XChaCha20-Poly1305 under the backup key, the header bound in as
//! associated data (a changed version or fingerprint fails to open, too).
//!
//! ```text
//! "GHBACKUP"  format (1 byte)  key fingerprint (8)  nonce (24)  ciphertext‖tag
//! ```
//!
//! The fingerprint names the key without revealing it, so a file opened with
//! the wrong key says so (and which key it needs) instead of "damaged".

use super::key::BackupKey;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const MAGIC: &[u8; 8] = b"GHBACKUP";
/// The one format this build writes and reads.
pub(crate) const FORMAT: u8 = 1;
const HEADER: usize = 8 + 1 + 8 + 24;

/// Why a file could not be opened; each says what to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    NotABackup,
    NewerFormat(u8),
    OtherKey { needs: String, given: String },
    Damaged,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::NotABackup => write!(f, "this is not a Gatehouse backup file"),
            Unreadable::NewerFormat(v) => write!(f, "this backup has format {v}, which a newer Gatehouse wrote; restore it with that version or a later one"),
            Unreadable::OtherKey { needs, given } => write!(
                f,
                "this backup was encrypted with another backup key (fingerprint {needs}); the key given has fingerprint {given}. \
                 Use the key that was current when the backup was made"
            ),
            Unreadable::Damaged => write!(f, "this backup file is damaged or was altered: its contents do not authenticate"),
        }
    }
}

pub(crate) fn seal(key: &BackupKey, plaintext: &[u8]) -> Vec<u8> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = Vec::with_capacity(HEADER + plaintext.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.extend_from_slice(&key.fingerprint_bytes());
    out.extend_from_slice(&nonce);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let sealed = cipher.encrypt(&nonce, Payload { msg: plaintext, aad: &out[..HEADER] }).expect("encryption into a Vec cannot fail");
    out.extend_from_slice(&sealed);
    out
}

pub(crate) fn open(key: &BackupKey, file: &[u8]) -> Result<Vec<u8>, Unreadable> {
    if file.len() < HEADER + 16 || &file[..8] != MAGIC {
        return Err(Unreadable::NotABackup);
    }
    if file[8] != FORMAT {
        return Err(Unreadable::NewerFormat(file[8]));
    }
    let (header, ciphertext) = file.split_at(HEADER);
    if header[9..17] != key.fingerprint_bytes() {
        return Err(Unreadable::OtherKey { needs: hex(&header[9..17]), given: key.fingerprint() });
    }
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    cipher.decrypt(XNonce::from_slice(&header[17..]), Payload { msg: ciphertext, aad: header }).map_err(|_| Unreadable::Damaged)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_its_key_only_and_detects_any_change() {
        let key = BackupKey::generate();
        let file = seal(&key, b"{\"users\": [\"ada@example.com\"]}");
        assert!(!String::from_utf8_lossy(&file).contains("ada@example.com"), "nothing in clear");
        assert_eq!(open(&key, &file).unwrap(), b"{\"users\": [\"ada@example.com\"]}");

        let other = BackupKey::generate();
        assert!(matches!(open(&other, &file), Err(Unreadable::OtherKey { .. })));
        for at in [9, 20, HEADER + 3, file.len() - 1] {
            let mut changed = file.clone();
            changed[at] ^= 1;
            let err = open(&key, &changed).unwrap_err();
            assert!(matches!(err, Unreadable::Damaged | Unreadable::OtherKey { .. }), "byte {at}: {err:?}");
        }
        let mut newer = file.clone();
        newer[8] = 2;
        assert_eq!(open(&key, &newer), Err(Unreadable::NewerFormat(2)));
        assert_eq!(open(&key, b"SQLite format 3\0 and the rest of a database file"), Err(Unreadable::NotABackup));
    }
}
