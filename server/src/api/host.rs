//! REST door onto facts about the instance.

use super::error::Result;
use super::extract::Authed;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_core::host::host_info;
use gatehouse_core::state::AppState;
use shared::api::{ErrorEnvelope, HostInfo};

pub fn router() -> Router<AppState> {
    Router::new().route("/host", get(get_host))
}

/// Facts about this instance.
#[utoipa::path(get, path = "/api/v1/host", tag = "host", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = HostInfo), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_host(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<HostInfo>> {
    Ok(Json(host_info(&state, &caller)?))
}
