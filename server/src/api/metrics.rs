//! `GET /metrics`: Prometheus, in the OpenMetrics text format. On the main
//! listener for host admins (a bearer token, as Prometheus'
//! `authorization` setting sends it); anonymous on the operator's own
//! listener (`GATEHOUSE_METRICS_BIND`), which is all that listener serves.

use super::error::Result;
use super::extract::Authed;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;
use gatehouse_core::operator::Operator;
use gatehouse_core::outbox::service;
use gatehouse_core::state::AppState;
use std::sync::Arc;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub async fn render(State(state): State<AppState>, Authed(caller): Authed) -> Result<impl IntoResponse> {
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], service::metrics(&state.delivery, caller.host_admin()?).await?))
}

async fn render_private(State((state, operator)): State<(AppState, Arc<Operator>)>) -> Result<impl IntoResponse> {
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], service::metrics_on_private_listener(&state.delivery, &operator).await?))
}

/// The separate metrics listener's whole surface. The operator opened it
/// (`GATEHOUSE_METRICS_BIND`), so start-up hands it the operator.
pub fn private_router(state: AppState, operator: Operator) -> Router {
    Router::new().route("/metrics", axum::routing::get(render_private)).with_state((state, Arc::new(operator)))
}
