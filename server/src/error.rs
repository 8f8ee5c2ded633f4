//! `Failure`: the error every service returns. It carries the shared
//! [`ApiError`] envelope; anything unexpected (a database fault) is logged here
//! once and reaches the caller as a bare 500 with no internals in it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::api::{ApiError, ErrorCode, ErrorEnvelope};

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

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        error_response(self.0)
    }
}

/// Seconds a client is told to wait after a 503 (the database was busy).
const RETRY_AFTER_SECS: &str = "1";

pub fn error_response(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, axum::Json(ErrorEnvelope { error })).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER_SECS));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_503_with_retry_after_never_500() {
        let res = Failure::from(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[axum::http::header::RETRY_AFTER], RETRY_AFTER_SECS);
        let res = Failure::from(sqlx::Error::RowNotFound).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers().get(axum::http::header::RETRY_AFTER).is_none());
    }
}
