//! Google's JWT bearer assertion (RFC 7523): a JWT signed RS256 with the
//! service account's private key, asking for a token for the mailbox.
//!
//! Gatehouse only ever *signs* this one JWT; it never reads or verifies one.
//! So it is made here with ring (which rustls already builds) rather than
//! a JWT library: a header, the claims, and an RSASSA-PKCS1-v1_5 SHA-256
//! signature, each base64url without padding (RFC 7515).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use shared::oauth::GOOGLE_SCOPE;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;

/// How long an assertion is good for: Google accepts at most an hour.
const VALID_SECS: u64 = 3600;

/// The assertion for `subject` (the mailbox), from `client_email` (the
/// service account), to `audience` (the token endpoint it is posted to).
pub fn sign(private_key_pem: &str, client_email: &str, subject: &str, audience: &str) -> Result<String, String> {
    let der = PrivatePkcs8KeyDer::from_pem_slice(private_key_pem.as_bytes()).map_err(|e| format!("the service account's private key cannot be read: {e}"))?;
    let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).map_err(|e| format!("the service account's private key is not a usable RSA key: {e}"))?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let claims = serde_json::json!({"iss": client_email, "sub": subject, "scope": GOOGLE_SCOPE, "aud": audience, "iat": now, "exp": now + VALID_SECS});
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| "signing the token request failed".to_owned())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key that is no key is refused with words, never a panic. (That a
    /// real key's assertion verifies is held by the integration test
    /// `google_workspace_signs_its_assertion_and_sends`, whose token endpoint
    /// checks the RS256 signature and every claim with Python's
    /// `cryptography`: an independent implementation.)
    #[test]
    fn a_key_that_is_no_key_is_refused() {
        for pem in ["", "not a key", "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n"] {
            let refused = sign(pem, "a@b.iam.gserviceaccount.com", "mailbox@example.com", "https://oauth2.googleapis.com/token").unwrap_err();
            assert!(refused.contains("private key"), "{pem:?}: {refused}");
        }
    }
}
