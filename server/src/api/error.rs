//! Failures as HTTP answers: the status of the error's code, the shared
//! `{"error":{…}}` body, and `Retry-After` on a 503 (the database was busy).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::error::Failure;
use shared::api::{ApiError, ErrorCode, ErrorEnvelope};

/// A service's failure, on its way out as an HTTP answer.
#[derive(Debug)]
pub struct HttpError(pub Failure);

/// What a REST handler returns.
pub type Result<T, E = HttpError> = std::result::Result<T, E>;

impl From<Failure> for HttpError {
    fn from(f: Failure) -> Self {
        Self(f)
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        Self(Failure(e))
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        error_response(self.0 .0)
    }
}

/// Seconds a client is told to wait after a 503: a busy database frees up
/// at once, a restarting one in seconds, a full disk only when someone acts.
fn retry_after_secs(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::StorageUnavailable => "5",
        ErrorCode::StorageFull => "60",
        _ => "1",
    }
}

pub fn error_response(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = retry_after(&error);
    let mut res = (status, axum::Json(ErrorEnvelope { error })).into_response();
    if let Some(secs) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, secs);
    }
    res
}

/// `Retry-After` for an error that has one: every 429 (the seconds its
/// message says) and every 503.
pub fn retry_after(error: &ApiError) -> Option<HeaderValue> {
    match (error.retry_after_secs, error.status()) {
        (Some(secs), _) => Some(HeaderValue::from(secs)),
        (None, 503) => Some(HeaderValue::from_static(retry_after_secs(error.code))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_does_not_answer_is_503_with_retry_after_never_500() {
        let res = HttpError(Failure::from(sqlx_pool_timeout())).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        let res = HttpError(Failure::internal("test", "boom")).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn a_429_says_how_long_to_wait_in_its_header_too() {
        let res = HttpError(ApiError::rate_limited("too many", 42).into()).into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::RETRY_AFTER], "42");
    }

    fn sqlx_pool_timeout() -> gatehouse_core::storage::DbError {
        gatehouse_core::storage::DbError::PoolTimedOut
    }
}
