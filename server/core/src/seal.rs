//! Secrets at rest (the relay password, the bodies of queued emails, which
//! carry live invitation and reset links, and those links' secrets; the backup key): XChaCha20-Poly1305 under the data
//! dir's secret key, a fresh random nonce per seal, stored as
//! `v1:<base64(nonce‖ciphertext)>`. A database dump alone reveals nothing;
//! tampering is detected on open; each kind of secret is bound to its
//! purpose, so one cannot be replayed as another.

use crate::error::Failure;
use crate::secret_key::SecretKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// What a sealed value is; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SmtpPassword,
    EmailBody,
    BackupKey,
    /// The secret of the link a queued email carries (for Users to offer it while the email has not gone out).
    LinkSecret,
}

impl Purpose {
    fn aad(self) -> &'static [u8] {
        match self {
            Purpose::SmtpPassword => b"gatehouse:smtp-password:v1",
            Purpose::EmailBody => b"gatehouse:email-body:v1",
            Purpose::BackupKey => b"gatehouse:backup-key:v1",
            Purpose::LinkSecret => b"gatehouse:email-link-secret:v1",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Purpose::SmtpPassword => "the stored SMTP password",
            Purpose::EmailBody => "a queued email's body",
            Purpose::BackupKey => "the backup key",
            Purpose::LinkSecret => "a queued email's link",
        }
    }
}

const PREFIX: &str = "v1:";

pub fn seal(key: &SecretKey, purpose: Purpose, plaintext: &str) -> String {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher.encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: purpose.aad() }).expect("encryption into a Vec cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    format!("{PREFIX}{}", STANDARD.encode(out))
}

pub fn open(key: &SecretKey, purpose: Purpose, sealed: &str) -> Result<String, Failure> {
    let broken = |why: &str| Failure::internal(&format!("{} cannot be decrypted (was secret.key replaced?)", purpose.what()), why);
    let bytes = sealed.strip_prefix(PREFIX).and_then(|b| STANDARD.decode(b).ok()).filter(|b| b.len() > 24).ok_or_else(|| broken("malformed"))?;
    let (nonce, ciphertext) = bytes.split_at(24);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: purpose.aad() }).map_err(|_| broken("authentication failed"))?;
    String::from_utf8(plain).map_err(|_| broken("not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_hides_the_text_and_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::load_or_create(dir.path()).unwrap();
        let p = Purpose::SmtpPassword;
        let a = seal(&key, p, "hunter2 app password");
        let b = seal(&key, p, "hunter2 app password");
        assert_ne!(a, b, "fresh nonce each time");
        assert!(!a.contains("hunter2"));
        assert_eq!(open(&key, p, &a).unwrap(), "hunter2 app password");

        let mut tampered = STANDARD.decode(&a[3..]).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&key, p, &format!("v1:{}", STANDARD.encode(tampered))).is_err());

        let other_dir = tempfile::tempdir().unwrap();
        let other = SecretKey::load_or_create(other_dir.path()).unwrap();
        assert!(open(&other, p, &a).is_err());
        assert!(open(&key, Purpose::EmailBody, &a).is_err(), "a password cannot be opened as an email body");
        assert!(open(&key, Purpose::LinkSecret, &seal(&key, Purpose::EmailBody, "body")).is_err(), "nor a body as a link's secret");
    }
}
