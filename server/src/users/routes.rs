//! REST doors onto the users service.

use super::service;
use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shared::api::{AccountSummary, ErrorEnvelope, UserSummary};

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list_users)).route("/accounts", get(list_accounts))
}

/// Every user, with role, account and status.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<UserSummary>), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn list_users(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<UserSummary>>> {
    Ok(Json(service::list_users(&state, &caller).await?))
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "users", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AccountSummary>), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn list_accounts(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AccountSummary>>> {
    Ok(Json(service::list_accounts(&state, &caller).await?))
}
