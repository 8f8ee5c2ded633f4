//! Probes for load balancers: `/healthz` (the process answers) and `/readyz`
//! (the database answers, and no storage fault is open: while writes fail,
//! from a full disk or a database going away, it says so with the cause, and
//! turns ready again by itself once a write commits; `storage::faults`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use gatehouse_core::state::AppState;
use gatehouse_core::storage::faults;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(ready))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    if let Some(episode) = faults::current() {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}", episode.reason()));
    }
    if state.db.ping().await {
        (StatusCode::OK, "ready".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready: the database is unreachable".to_owned())
    }
}
