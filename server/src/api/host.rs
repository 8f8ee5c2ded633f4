//! REST door onto facts about the instance.

use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_core::audit;
use gatehouse_core::host::{host_info, update};
use gatehouse_core::state::AppState;
use serde::Deserialize;
use shared::api::{ErrorEnvelope, HostInfo, HostUpdate};
use shared::audit::{AuditAction, AuditEntry};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_host, patch_host, audit_log))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new().route("/host", get(get_host).patch(patch_host)).route("/audit", get(audit_log))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditFilter {
    /// Only entries whose actor's email contains this (case-insensitive).
    actor: Option<String>,
    /// Only entries of this action. Read as text and parsed by the service, so
    /// an unknown name gets 422 naming the known ones.
    #[param(value_type = Option<AuditAction>)]
    action: Option<String>,
    /// Entries older than this: the `cursor` of the `Link: rel="next"` URL.
    cursor: Option<i64>,
    /// Entries per page, 1 to 200 (default 50).
    limit: Option<i64>,
}

/// The audit log, newest first, a page at a time: every admin action, sign-in
/// and failed sign-in. The next page's URL is in `Link: <…>; rel="next"`, absent on the last page.
#[utoipa::path(get, path = "/api/v1/audit", tag = "host", security(("bearer" = []), ("session" = [])), params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>, headers(("Link" = String, description = "`<next page URL>; rel=\"next\"`, when there is one"))),
        (status = 422, description = "unknown action, or a page size out of range", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn audit_log(State(state): State<AppState>, Authed(caller): Authed, Query(filter): Query<AuditFilter>) -> Result<Response> {
    let query = audit::Query {
        actor: filter.actor.clone(),
        action: filter.action.as_deref().map(audit::parse_action).transpose()?,
        cursor: filter.cursor,
        limit: filter.limit,
    };
    let page = gatehouse_core::host::audit_log(&state.db, caller.host_admin()?, &query).await?;
    let filters = [("actor", filter.actor.clone()), ("action", query.action.map(|a| a.as_str().to_owned()))];
    let limit = query.limit.unwrap_or(audit::DEFAULT_PAGE);
    Ok(super::paging::page(page.entries, &state.public_url, "/api/v1/audit", &filters, page.next_cursor.map(|c| c.to_string()), limit))
}

/// Facts about this instance, and its name.
#[utoipa::path(get, path = "/api/v1/host", tag = "host", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = HostInfo), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_host(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<HostInfo>> {
    Ok(Json(host_info(&state.users, &state.public_url, caller.host_admin()?).await?))
}

/// Rename the host: the emails queued from now on, and the console, say the
/// new name (`GATEHOUSE_ORGANISATION` is only the first one). And the rules
/// for account senders: whether account admins may set their own account's
/// (off until allowed), and the domains a sender may use
/// (`GATEHOUSE_ACCOUNT_SENDER_DOMAINS` is only the first list; empty: any).
/// What is left out stays. Audited.
#[utoipa::path(patch, path = "/api/v1/host", tag = "host", security(("bearer" = []), ("session" = [])), request_body = HostUpdate,
    responses((status = 200, body = HostInfo), (status = 422, description = "a bad name (`fields.name`), or a listed domain that is not one (`fields.account_sender_domains`)", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn patch_host(State(state): State<AppState>, Authed(caller): Authed, JsonBody(req): JsonBody<HostUpdate>) -> Result<Json<HostInfo>> {
    Ok(Json(update(&state.users, &state.public_url, caller.host_admin()?, &req).await?))
}
