//! The door the dashboard's server functions (declared in `app`) come
//! through. Their bodies call the same services in `gatehouse-core` as the
//! REST routes do; this handler gives them the application state.

use super::error::HttpError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gatehouse_core::error::Failure;
use gatehouse_core::state::AppState;
use shared::api::ApiError;

/// `POST /api/fn/{name}`: runs the server function with the application
/// state in context (`app::backend::caller` finds it there, beside the request).
///
/// Leptos answers every server-function error with 500; the error body is our
/// `ApiError`, so the status is set back to the one its code stands for (a
/// missing session is 401, not a server fault).
pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let res = leptos_axum::handle_server_fns_with_context(move || leptos::prelude::provide_context(state.clone()), req).await.into_response();
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match to_bytes(body, 1 << 20).await {
        Ok(bytes) => bytes,
        Err(e) => return HttpError(Failure::internal("reading a server function's error", e)).into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = super::error::retry_after(&error) {
            parts.headers.insert(axum::http::header::RETRY_AFTER, secs);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
