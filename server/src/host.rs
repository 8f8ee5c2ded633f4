//! Host settings: facts about the instance, for host admins. (SMTP configuration joins here.)

use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shared::api::{ErrorEnvelope, HostInfo};

pub fn router() -> Router<AppState> {
    Router::new().route("/host", get(get_host))
}

/// Facts about this instance.
#[utoipa::path(get, path = "/api/v1/host", tag = "host", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = HostInfo), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_host(State(state): State<AppState>, caller: Caller) -> Result<Json<HostInfo>> {
    Ok(Json(host_info(&state, &caller)?))
}

pub fn host_info(state: &AppState, caller: &Caller) -> Result<HostInfo> {
    caller.require_host_admin()?;
    Ok(HostInfo {
        public_url: state.public_url.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: state.db.engine.name().to_owned(),
    })
}
