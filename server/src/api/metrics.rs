//! `GET /metrics`: Prometheus, in the OpenMetrics text format.

use super::error::Result;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use gatehouse_core::state::AppState;

pub async fn render(State(state): State<AppState>) -> Result<impl IntoResponse> {
    let body = gatehouse_core::outbox::service::metrics(&state).await?;
    Ok(([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body))
}
