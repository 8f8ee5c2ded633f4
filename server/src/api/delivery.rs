//! REST door onto delivery health.

use super::error::Result;
use super::extract::Authed;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_core::delivery::service;
use gatehouse_core::state::AppState;
use shared::api::ErrorEnvelope;
use shared::delivery::DeliveryHealth;

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(health))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new().route("/delivery", get(health))
}

/// Whether email is getting out: `off` (SMTP switched off), `idle` (nothing
/// sent lately, nothing waiting), `ok`, `degraded` (an attempt failed lately,
/// or an email has waited over 5 minutes) or `failing` (the last 3 attempts
/// failed, or the OAuth2 token cannot be had), and since when. The same on
/// every instance sharing the database. Account admins get their account's
/// part: the state, and their users' emails waiting and failed.
#[utoipa::path(get, path = "/api/v1/delivery", tag = "emails", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DeliveryHealth), (status = 401, body = ErrorEnvelope), (status = 403, description = "an account user", body = ErrorEnvelope)))]
pub(crate) async fn health(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<DeliveryHealth>> {
    Ok(Json(service::health(&state.delivery, &caller).await?))
}
