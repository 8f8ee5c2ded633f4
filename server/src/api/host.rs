//! REST door onto facts about the instance.

use super::error::Result;
use super::extract::Authed;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_core::audit;
use gatehouse_core::host::host_info;
use gatehouse_core::state::AppState;
use serde::Deserialize;
use shared::api::{ErrorEnvelope, HostInfo};
use shared::audit::{AuditAction, AuditEntry};

pub fn router() -> Router<AppState> {
    Router::new().route("/host", get(get_host)).route("/audit", get(audit_log))
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
    let page = gatehouse_core::host::audit_log(&state.db, &caller, &query).await?;
    let mut res = Json(page.entries).into_response();
    if let Some(cursor) = page.next_cursor {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
            next.append_pair("actor", actor);
        }
        if let Some(action) = query.action {
            next.append_pair("action", action.as_str());
        }
        next.append_pair("cursor", &cursor.to_string());
        next.append_pair("limit", &query.limit.unwrap_or(audit::DEFAULT_PAGE).to_string());
        let link = format!("<{}>; rel=\"next\"", state.public_url.link(&format!("api/v1/audit?{}", next.finish())));
        if let Ok(value) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(res)
}

/// Facts about this instance.
#[utoipa::path(get, path = "/api/v1/host", tag = "host", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = HostInfo), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_host(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<HostInfo>> {
    Ok(Json(host_info(&state.public_url, state.db.engine, &caller)?))
}
