//! Random secrets handed to people (session cookies, API tokens, setup links).
//! Only their SHA-256 is stored: the secrets have 256 bits of entropy, so a
//! fast hash is enough and a leaked table gives nothing usable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A freshly minted secret and the hash to store for it.
pub struct Minted {
    pub secret: String,
    pub hash: String,
}

/// 32 bytes from the OS RNG, URL-safe base64 (43 characters), after `prefix`.
pub fn mint(prefix: &str) -> Minted {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random number generator is available");
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&secret);
    Minted { secret, hash }
}

/// `bytes` random bytes as lower-case hex: an identifier, not a secret (a
/// request's ID). Falls back to the clock should the OS refuse randomness.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::getrandom(&mut buf).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos().to_be_bytes();
        buf.iter_mut().zip(nanos.iter().cycle()).for_each(|(b, n)| *b = *n);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Cheap shape check before touching the database: anything else is not ours.
pub fn looks_valid(secret: &str, prefix: &str) -> bool {
    secret.len() == prefix.len() + 43
        && secret.starts_with(prefix)
        && secret[prefix.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub const API_TOKEN_PREFIX: &str = "ght_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_secrets_are_distinct_and_hash_to_what_is_stored() {
        let a = mint(API_TOKEN_PREFIX);
        let b = mint(API_TOKEN_PREFIX);
        assert_ne!(a.secret, b.secret);
        assert_eq!(hash(&a.secret), a.hash);
        assert_eq!(a.hash.len(), 64);
        assert!(looks_valid(&a.secret, API_TOKEN_PREFIX));
        assert!(!looks_valid("ght_short", API_TOKEN_PREFIX));
        assert!(!looks_valid(&a.secret.replace("ght_", "xxx_"), API_TOKEN_PREFIX));
    }
}
