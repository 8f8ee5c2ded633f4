//! Probes for load balancers: `/healthz` (the process answers) and `/readyz` (the database does too).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use gatehouse_core::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(ready))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
