//! The relay password at rest: XChaCha20-Poly1305 under the data dir's secret
//! key, a fresh random nonce per seal, stored as `v1:<base64(nonce‖ciphertext)>`.
//! A database dump alone reveals nothing; tampering is detected on open.

use crate::error::Failure;
use crate::secret_key::SecretKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// Binds a ciphertext to its purpose, so it cannot be replayed as another secret.
const AAD: &[u8] = b"gatehouse:smtp-password:v1";
const PREFIX: &str = "v1:";

pub fn seal(key: &SecretKey, plaintext: &str) -> String {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher.encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: AAD }).expect("encryption into a Vec cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    format!("{PREFIX}{}", STANDARD.encode(out))
}

pub fn open(key: &SecretKey, sealed: &str) -> Result<String, Failure> {
    let broken = |why: &str| Failure::internal("the stored SMTP password cannot be decrypted (was secret.key replaced?)", why);
    let bytes = sealed.strip_prefix(PREFIX).and_then(|b| STANDARD.decode(b).ok()).filter(|b| b.len() > 24).ok_or_else(|| broken("malformed"))?;
    let (nonce, ciphertext) = bytes.split_at(24);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: AAD }).map_err(|_| broken("authentication failed"))?;
    String::from_utf8(plain).map_err(|_| broken("not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_hides_the_text_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::load_or_create(dir.path()).unwrap();
        let a = seal(&key, "hunter2 app password");
        let b = seal(&key, "hunter2 app password");
        assert_ne!(a, b, "fresh nonce each time");
        assert!(!a.contains("hunter2"));
        assert_eq!(open(&key, &a).unwrap(), "hunter2 app password");

        let mut tampered = STANDARD.decode(&a[3..]).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&key, &format!("v1:{}", STANDARD.encode(tampered))).is_err());

        let other_dir = tempfile::tempdir().unwrap();
        let other = SecretKey::load_or_create(other_dir.path()).unwrap();
        assert!(open(&other, &a).is_err());
    }
}
