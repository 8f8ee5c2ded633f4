//! `Failure`: the error every service returns. It carries the shared
//! [`ApiError`] envelope; anything unexpected (a database fault) is logged here
//! once and reaches the caller as a bare 500 with no internals in it. The
//! transports turn it into their own answers (`server::api::error` for HTTP).

use crate::storage::faults::{self, Trouble};
use shared::api::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct Failure(pub ApiError);

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }

    /// A storage fault (unreachable, disk full): `storage::faults` has told
    /// the log once for the whole episode, so callers that retry say nothing more.
    pub fn is_storage_fault(&self) -> bool {
        matches!(self.0.code, ErrorCode::StorageUnavailable | ErrorCode::StorageFull)
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        Self(ApiError::new(ErrorCode::Internal, "something went wrong on our side; it has been logged"))
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

/// A database error: the storage's trouble is a 503 of its kind (counted,
/// and told once per episode by `storage::faults`), anything else a 500.
impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        let Some(trouble) = faults::note(&e) else { return Self::internal("database error", e) };
        match trouble {
            Trouble::Busy => {
                tracing::warn!(err = %e, "database busy; answered 503");
                Self::new(ErrorCode::Unavailable, "the database is busy; try again in a moment")
            }
            Trouble::Unreachable => {
                Self::new(ErrorCode::StorageUnavailable, "the database is unreachable or restarting; nothing was saved, try again in a moment")
            }
            Trouble::Full => {
                Self::new(ErrorCode::StorageFull, "the server's disk is full: nothing was saved, and nothing can be until the operator frees space")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_trouble_is_unavailable_anything_else_internal() {
        assert_eq!(Failure::from(sqlx::Error::PoolTimedOut).0.code, ErrorCode::StorageUnavailable);
        assert_eq!(Failure::from(sqlx::Error::RowNotFound).0.code, ErrorCode::Internal);
    }
}
