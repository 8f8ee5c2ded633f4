//! REST doors onto the users service.

use super::service;
use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shared::api::{AccountSummary, UserSummary};

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list_users)).route("/accounts", get(list_accounts))
}

async fn list_users(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<UserSummary>>> {
    Ok(Json(service::list_users(&state, &caller).await?))
}

async fn list_accounts(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AccountSummary>>> {
    Ok(Json(service::list_accounts(&state, &caller).await?))
}
