//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes),
//! run off the async threads because each hash takes tens of milliseconds,
//! and at most a few at a time, so that a flood of sign-ins cannot exhaust
//! memory (each hash holds 19 MiB); past that, callers wait, then get a 503.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::error::Failure;
use shared::api::ErrorCode;

/// Hashes running at once; queued callers wait up to [`QUEUE_WAIT`].
const CONCURRENT_HASHES: usize = 4;
const QUEUE_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct PasswordHasher {
    /// A hash of nothing in particular, verified against when the user does not
    /// exist so that a wrong address takes as long as a wrong password.
    decoy: Arc<String>,
    slots: Arc<Semaphore>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self { decoy: Arc::new(hash_now("decoy password, never matches").expect("hashing works")), slots: Arc::new(Semaphore::new(CONCURRENT_HASHES)) }
    }
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

impl PasswordHasher {
    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Failure> {
        match tokio::time::timeout(QUEUE_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Failure::new(ErrorCode::Unavailable, "the server is busy checking passwords; try again")),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, Failure> {
        let _slot = self.slot().await?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|e| Failure::internal("password hashing task", e))?
            .map_err(|e| Failure::internal("password hashing", e))
    }

    /// Checks `password` against `stored`; with no stored hash, burns the same time and fails.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, Failure> {
        let _slot = self.slot().await?;
        let password = password.to_owned();
        let (stored, real) = match stored {
            Some(s) => (s.to_owned(), true),
            None => (self.decoy.as_str().to_owned(), false),
        };
        let matched = tokio::task::spawn_blocking(move || verify_now(&password, &stored)).await.unwrap_or(false);
        Ok(matched && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let hasher = PasswordHasher::default();
        let stored = hasher.hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse battery", Some(&stored)).await.unwrap());
        assert!(!hasher.verify("wrong horse battery", Some(&stored)).await.unwrap());
        assert!(!hasher.verify("decoy password, never matches", None).await.unwrap());
    }
}
