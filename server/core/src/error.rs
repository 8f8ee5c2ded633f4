//! `Failure`: the error every service returns. It carries the shared
//! [`ApiError`] envelope; anything unexpected (a database fault) is logged here
//! once and reaches the caller as a bare 500 with no internals in it. The
//! transports turn it into their own answers (`server::api::error` for HTTP).

use shared::api::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct Failure(pub ApiError);

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
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

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        if crate::storage::is_transient(&e) {
            tracing::warn!(err = %e, "database busy; answered 503");
            Self::new(ErrorCode::Unavailable, "the database is busy; try again in a moment")
        } else {
            Self::internal("database error", e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_unavailable_anything_else_internal() {
        assert_eq!(Failure::from(sqlx::Error::PoolTimedOut).0.code, ErrorCode::Unavailable);
        assert_eq!(Failure::from(sqlx::Error::RowNotFound).0.code, ErrorCode::Internal);
    }
}
