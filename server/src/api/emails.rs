//! REST doors onto email activity.

use super::error::Result;
use super::extract::Authed;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::outbox::service;
use gatehouse_core::state::AppState;
use serde::Deserialize;
use shared::api::ErrorEnvelope;
use shared::outbox::{EmailStatus, EmailSummary};

pub fn router() -> Router<AppState> {
    Router::new().route("/emails", get(list)).route("/emails/{id}/retry", post(retry)).route("/emails/{id}/discard", post(discard))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Filter {
    /// Only emails in this state. Read as text and parsed by the service, so
    /// an unknown name gets 422 naming the known ones.
    #[param(value_type = Option<EmailStatus>)]
    status: Option<String>,
}

/// The newest 500 emails, with their delivery state; `held` ones wait for SMTP to be switched on.
#[utoipa::path(get, path = "/api/v1/emails", tag = "emails", security(("bearer" = []), ("session" = [])), params(Filter),
    responses((status = 200, body = Vec<EmailSummary>), (status = 422, description = "unknown status", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn list(State(state): State<AppState>, Authed(caller): Authed, Query(filter): Query<Filter>) -> Result<Json<Vec<EmailSummary>>> {
    let status = filter.status.as_deref().map(service::parse_status).transpose()?;
    Ok(Json(service::list(&state.outbox, &caller, status).await?))
}

/// Send a failed, retrying or discarded email again, now.
#[utoipa::path(post, path = "/api/v1/emails/{id}/retry", tag = "emails", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EmailSummary), (status = 404, body = ErrorEnvelope), (status = 409, description = "already sent or being sent", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn retry(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<EmailSummary>> {
    Ok(Json(service::retry(&state.outbox, &caller, id).await?))
}

/// Give up on an email that has not been sent.
#[utoipa::path(post, path = "/api/v1/emails/{id}/discard", tag = "emails", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EmailSummary), (status = 404, body = ErrorEnvelope), (status = 409, description = "already sent or being sent", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn discard(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<EmailSummary>> {
    Ok(Json(service::discard(&state.outbox, &caller, id).await?))
}
