//! Middleware that holds for every route.

use super::error::error_response;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};

/// Refuses state-changing requests sent by a page of another origin (CSRF).
///
/// Browsers always send `Origin` on cross-origin POST/PUT/DELETE; it must be
/// the console's public URL or the host the request was addressed to. Clients
/// that send no Origin (the gateway backend, curl) are not browsers and are
/// authenticated by bearer token or explicit credentials instead.
pub async fn refuse_foreign_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            let same_host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host));
            if origin != state.public_url.origin() && !same_host {
                return error_response(ApiError::new(ErrorCode::Forbidden, "cross-origin request refused"));
            }
        }
    }
    next.run(req).await
}

/// Every request runs with the storage rule checked (`storage::rule`).
pub async fn check_storage_rule(req: Request, next: Next) -> Response {
    gatehouse_core::storage::rule::scope(next.run(req)).await
}

/// A handler that panicked (a bug: the storage rule broken, say) answers 500
/// in the usual error shape, and the panic is logged, instead of the
/// connection being dropped without a word.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("a panic");
    tracing::error!(panic = what, "request handler panicked");
    error_response(ApiError::new(ErrorCode::Internal, "something went wrong on our side; it has been logged"))
}

/// Whatever produced an error under `/api/` (a wrong method, an unparsable
/// path, a body over the size limit), the caller gets the JSON error shape.
pub async fn json_errors_for_api(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::Validation,
        500..=599 => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    let message = status.canonical_reason().unwrap_or("request refused").to_lowercase();
    let mut out = error_response(ApiError::new(code, message));
    *out.status_mut() = status;
    out
}
