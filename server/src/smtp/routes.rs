//! REST doors onto the SMTP service, for the gateway backend.

use super::service;
use crate::api::JsonBody;
use crate::auth::Caller;
use crate::error::{Failure, Result};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use shared::api::{ApiError, ErrorCode};
use shared::smtp::{SmtpDraft, SmtpEnabled, SmtpSettings, TestReport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/smtp", get(get_settings).put(save))
        .route("/smtp/enable", post(enable))
        .route("/smtp/disable", post(disable))
        .route("/smtp/test", post(test))
}

async fn get_settings(State(state): State<AppState>, caller: Caller) -> Result<Json<SmtpSettings>> {
    Ok(Json(service::settings(&state, &caller).await?))
}

async fn save(State(state): State<AppState>, caller: Caller, JsonBody(draft): JsonBody<SmtpDraft>) -> Result<Json<SmtpSettings>> {
    Ok(Json(service::save(&state, &caller, &draft).await?))
}

async fn enable(State(state): State<AppState>, caller: Caller) -> Result<Json<SmtpEnabled>> {
    let s = service::set_enabled(&state, &caller, true).await?;
    Ok(Json(SmtpEnabled { enabled: s.enabled }))
}

async fn disable(State(state): State<AppState>, caller: Caller) -> Result<Json<SmtpEnabled>> {
    let s = service::set_enabled(&state, &caller, false).await?;
    Ok(Json(SmtpEnabled { enabled: s.enabled }))
}

/// The body is optional: a draft to test, or nothing for the saved configuration.
async fn test(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<TestReport>> {
    let draft = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(serde_json::from_slice::<SmtpDraft>(&body).map_err(|e| Failure(ApiError::new(ErrorCode::Validation, e.to_string())))?)
    };
    Ok(Json(service::send_test(&state, &caller, draft.as_ref()).await?))
}
