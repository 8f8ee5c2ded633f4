//! REST doors onto API tokens (Host settings → API tokens).

use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use gatehouse_core::auth::api_tokens;
use gatehouse_core::state::AppState;
use shared::api::ErrorEnvelope;
use shared::token::{ApiTokenSummary, CreatedApiToken, NewApiToken};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, revoke))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new().route("/tokens", get(list).post(create)).route("/tokens/{id}", delete(revoke))
}

/// Every API token: name, owner, created, last used, expiry; never the secret.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ApiTokenSummary>), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn list(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<Vec<ApiTokenSummary>>> {
    Ok(Json(api_tokens::list(&state.auth, caller.host_admin()?).await?))
}

/// Create a token acting as the caller. The answer holds the token itself, shown this once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = []), ("session" = [])), request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 422, description = "a field needs fixing", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(req): JsonBody<NewApiToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>)> {
    Ok((StatusCode::CREATED, Json(api_tokens::create(&state.auth, caller.host_admin()?, &req).await?)))
}

/// Revoke a token: its next request gets 401.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), (status = 404, description = "no such token", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn revoke(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<StatusCode> {
    api_tokens::revoke(&state.auth, caller.host_admin()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
