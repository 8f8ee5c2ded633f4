//! REST doors onto email activity.

use super::error::Result;
use super::extract::Authed;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::outbox::service;
use gatehouse_core::state::AppState;
use serde::Deserialize;
use shared::api::ErrorEnvelope;
use shared::api::{ApiError, PAGE_DEFAULT};
use shared::outbox::{EmailFilter, EmailKind, EmailStatus, EmailSummary};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, retry, discard))]
pub(super) struct Doc;

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
    /// Only emails of this kind.
    #[param(value_type = Option<EmailKind>)]
    kind: Option<String>,
    /// Only emails whose recipient contains this, any case.
    recipient: Option<String>,
    /// Only emails to this account's users.
    account_id: Option<i64>,
    /// Where the page starts: the `cursor` of the `Link: rel="next"` URL (an email's id).
    cursor: Option<i64>,
    /// Emails per page, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// A page of emails, newest first, with their delivery state; `held` ones
/// wait for SMTP to be switched on. Host roles see every email, account
/// admins those to their account's users. The next page's URL is in
/// `Link: <…>; rel="next"`, absent on the last page.
#[utoipa::path(get, path = "/api/v1/emails", tag = "emails", security(("bearer" = []), ("session" = [])), params(Filter),
    responses((status = 200, body = Vec<EmailSummary>, headers(("Link" = String, description = "`<next page URL>; rel=\"next\"`, when there is one"))),
        (status = 422, description = "an unknown status or kind, a bad cursor, or a page size out of range", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn list(State(state): State<AppState>, Authed(caller): Authed, Query(filter): Query<Filter>) -> Result<Response> {
    let status = filter.status.as_deref().map(service::parse_status).transpose()?;
    let kind = filter
        .kind
        .as_deref()
        .map(|k| EmailKind::parse(k).ok_or_else(|| ApiError::validation("unknown kind").with_field("kind", "one of invitation, reset")))
        .transpose()?;
    let wanted = EmailFilter { recipient: filter.recipient.clone(), status, kind, account_id: filter.account_id };
    let cursor = filter.cursor.map(|c| c.to_string());
    let page = service::list(&state.outbox, &caller, &wanted, cursor.as_deref(), filter.limit).await?;
    let filters = [("status", filter.status), ("kind", filter.kind), ("recipient", filter.recipient), ("account_id", filter.account_id.map(|a| a.to_string()))];
    Ok(super::paging::page(page.items, &state.public_url, "/api/v1/emails", &filters, page.next_cursor, filter.limit.unwrap_or(PAGE_DEFAULT)))
}

/// Send a failed, retrying or discarded email again, now.
#[utoipa::path(post, path = "/api/v1/emails/{id}/retry", tag = "emails", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EmailSummary), (status = 404, body = ErrorEnvelope), (status = 409, description = "already sent or being sent", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn retry(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<EmailSummary>> {
    Ok(Json(service::retry(&state.outbox, caller.host_admin()?, id).await?))
}

/// Give up on an email that has not been sent.
#[utoipa::path(post, path = "/api/v1/emails/{id}/discard", tag = "emails", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EmailSummary), (status = 404, body = ErrorEnvelope), (status = 409, description = "already sent or being sent", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn discard(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<EmailSummary>> {
    Ok(Json(service::discard(&state.outbox, caller.host_admin()?, id).await?))
}
