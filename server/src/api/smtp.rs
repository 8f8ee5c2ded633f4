//! REST doors onto the SMTP service, for the gateway backend.

use super::error::{HttpError, Result};
use super::extract::{Authed, JsonBody};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::smtp::fallback;
use gatehouse_core::smtp::service;
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode, ErrorEnvelope};
use shared::smtp::{SmtpAuditEntry, SmtpDraft, SmtpEnabled, SmtpSettings, TestReport};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_settings, save, enable, disable, test, audit_log, get_fallback, save_fallback, remove_fallback, test_fallback))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/smtp", get(get_settings).put(save))
        .route("/smtp/enable", post(enable))
        .route("/smtp/disable", post(disable))
        .route("/smtp/test", post(test))
        .route("/smtp/audit", get(audit_log))
        .route("/smtp/fallback", get(get_fallback).put(save_fallback).delete(remove_fallback))
        .route("/smtp/fallback/test", post(test_fallback))
}

/// The SMTP configuration and its state; the password is never returned. `managed`: set
/// by the server's configuration (GATEHOUSE_SMTP_*), so saving and switching answer 409.
#[utoipa::path(get, path = "/api/v1/smtp", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = SmtpSettings), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_settings(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<SmtpSettings>> {
    Ok(Json(service::settings(&state.smtp, caller.host_admin()?).await?))
}

/// Save the configuration. No password keeps the stored one; on 422 nothing is stored.
/// Microsoft 365 through Microsoft Graph (`oauth: {provider: "microsoft365", transport: "graph", …}`)
/// sends as `from_email` over HTTPS: `host`, `port`, `security`, `auth` and `username` are then
/// ignored, and the configuration keeps Microsoft's relay (smtp.office365.com, 587, StartTLS)
/// signed in as `from_email`, which GET shows.
#[utoipa::path(put, path = "/api/v1/smtp", tag = "smtp", security(("bearer" = []), ("session" = [])), request_body = SmtpDraft,
    responses((status = 200, body = SmtpSettings), (status = 422, description = "invalid fields, each named", body = ErrorEnvelope),
        (status = 409, description = "`conflict`: no password given, and none is stored for this relay and username to keep; `managed`: the relay is set by the server's configuration (GATEHOUSE_SMTP_*)", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn save(State(state): State<AppState>, Authed(caller): Authed, JsonBody(draft): JsonBody<SmtpDraft>) -> Result<Json<SmtpSettings>> {
    Ok(Json(service::save(&state.smtp, caller.host_admin()?, &draft).await?))
}

/// Switch SMTP on: emails are sent from now on.
#[utoipa::path(post, path = "/api/v1/smtp/enable", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = SmtpEnabled), (status = 409, description = "`conflict`: nothing saved yet; `managed`: the relay is set by the server's configuration (GATEHOUSE_SMTP_*)", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn enable(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<SmtpEnabled>> {
    let s = service::set_enabled(&state.smtp, caller.host_admin()?, true).await?;
    Ok(Json(SmtpEnabled { enabled: s.enabled }))
}

/// Switch SMTP off; the configuration is kept.
#[utoipa::path(post, path = "/api/v1/smtp/disable", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = SmtpEnabled), (status = 409, description = "`managed`: the relay is set by the server's configuration (GATEHOUSE_SMTP_*)", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn disable(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<SmtpEnabled>> {
    let s = service::set_enabled(&state.smtp, caller.host_admin()?, false).await?;
    Ok(Json(SmtpEnabled { enabled: s.enabled }))
}

/// Send a test email to the caller with the draft in the body (optional; else the saved
/// configuration), saving nothing. The verdict names the stage that failed; through Microsoft
/// Graph the stages are `token` and `send`, with Graph's status, error code and message in `server_reply`.
#[utoipa::path(post, path = "/api/v1/smtp/test", tag = "smtp", security(("bearer" = []), ("session" = [])), request_body(content = Option<SmtpDraft>),
    responses((status = 200, body = TestReport), (status = 409, description = "nothing to test: no draft, and no configuration saved", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 429, description = "5 a minute per user", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn test(State(state): State<AppState>, Authed(caller): Authed, body: Bytes) -> Result<Json<TestReport>> {
    let draft = optional_draft(&body)?;
    Ok(Json(service::send_test(&state.smtp, caller.host_admin()?, draft.as_ref()).await?))
}

/// A test's body: a draft, or nothing (blank) for the saved configuration.
fn optional_draft(body: &[u8]) -> Result<Option<SmtpDraft>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<SmtpDraft>(body).map(Some).map_err(|e| HttpError::from(ApiError::new(ErrorCode::Validation, e.to_string())))
}

/// Who saved, switched or tested the SMTP configuration, and when: the newest 50, newest first.
#[utoipa::path(get, path = "/api/v1/smtp/audit", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<SmtpAuditEntry>), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn audit_log(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<Vec<SmtpAuditEntry>>> {
    Ok(Json(service::audit_log(&state.smtp, caller.host_admin()?).await?))
}

/// The fallback relay (`saved: false` when there is none): the same fields as the primary,
/// the secret never returned. `enabled`: in use, i.e. saved while SMTP is switched on (it has
/// no switch of its own). When the primary fails an email for a reason of the relay's (cannot
/// connect, TLS, token, sign-in, a 4xx, a Graph 5xx or 429), the fallback takes it at once and
/// keeps the email for GATEHOUSE_FALLBACK_COOLDOWN_SECS (5 minutes); a 5xx for a recipient is
/// not passed on.
#[utoipa::path(get, path = "/api/v1/smtp/fallback", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = SmtpSettings), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn get_fallback(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<SmtpSettings>> {
    Ok(Json(fallback::settings(&state.smtp, caller.host_admin()?).await?))
}

/// Save the fallback relay, by the primary's rules (no password keeps the stored one; on 422
/// nothing is stored).
#[utoipa::path(put, path = "/api/v1/smtp/fallback", tag = "smtp", security(("bearer" = []), ("session" = [])), request_body = SmtpDraft,
    responses((status = 200, body = SmtpSettings), (status = 422, description = "invalid fields, each named", body = ErrorEnvelope),
        (status = 409, description = "`conflict`: no password given, and none is stored for this relay and username to keep; `managed`: the fallback relay is set by the server's configuration (GATEHOUSE_SMTP_FALLBACK_*)", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn save_fallback(State(state): State<AppState>, Authed(caller): Authed, JsonBody(draft): JsonBody<SmtpDraft>) -> Result<Json<SmtpSettings>> {
    Ok(Json(fallback::save(&state.smtp, caller.host_admin()?, &draft).await?))
}

/// Remove the fallback relay (and its sealed secret): email goes through the primary alone.
/// Removing none changes nothing.
#[utoipa::path(delete, path = "/api/v1/smtp/fallback", tag = "smtp", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "what is left: `saved: false`", body = SmtpSettings), (status = 409, description = "`managed`: the fallback relay is set by the server's configuration (GATEHOUSE_SMTP_FALLBACK_*)", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn remove_fallback(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<SmtpSettings>> {
    Ok(Json(fallback::remove(&state.smtp, caller.host_admin()?).await?))
}

/// Send a test email through the fallback relay to the caller: the draft in the body
/// (optional; else the saved fallback), saving nothing. As the primary's test, and within the
/// same limit (5 a minute per user, both relays together).
#[utoipa::path(post, path = "/api/v1/smtp/fallback/test", tag = "smtp", security(("bearer" = []), ("session" = [])), request_body(content = Option<SmtpDraft>),
    responses((status = 200, body = TestReport), (status = 409, description = "nothing to test: no draft, and no fallback relay saved", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 429, description = "5 a minute per user", body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn test_fallback(State(state): State<AppState>, Authed(caller): Authed, body: Bytes) -> Result<Json<TestReport>> {
    let draft = optional_draft(&body)?;
    Ok(Json(fallback::send_test(&state.smtp, caller.host_admin()?, draft.as_ref()).await?))
}
