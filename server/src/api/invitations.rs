//! REST doors onto invitations and password resets.

use super::auth::with_session;
use super::client_ip::ClientIp;
use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::state::AppState;
use gatehouse_core::users::{invitations, resets};
use shared::api::{ErrorEnvelope, Me};
use shared::invite::{
    AcceptInvitation, ForgotPassword, InvitationCreated, InvitationInfo, InvitationLink, InviteRequest, LinkStatus, ResetLink, ResetPassword,
};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(invite, regenerate, invitation_status, accept, admin_reset_link, forgot, reset_status, reset))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", post(invite))
        .route("/invitations/{token}", get(invitation_status))
        .route("/invitations/{token}/accept", post(accept))
        .route("/users/{id}/invitation", post(regenerate))
        .route("/users/{id}/password-reset", post(admin_reset_link))
        .route("/password-reset", post(forgot))
        .route("/password-reset/{token}", get(reset_status).post(reset))
}

/// Invite a user: creates them as pending and returns the invitation link;
/// emails it when SMTP is on (`email: "queued"`), not otherwise (`"smtp_disabled"`).
#[utoipa::path(post, path = "/api/v1/invitations", tag = "users", security(("bearer" = []), ("session" = [])), request_body = InviteRequest,
    responses((status = 201, body = InvitationCreated), (status = 409, description = "address already in use", body = ErrorEnvelope),
        (status = 404, description = "no such account (`fields.account_id`)", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(req): JsonBody<InviteRequest>,
) -> Result<(StatusCode, Json<InvitationCreated>)> {
    Ok((StatusCode::CREATED, Json(invitations::invite(&state.users, caller.manager()?, &req).await?)))
}

/// A new invitation link for a pending user; the previous link dies at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = InvitationLink), (status = 404, body = ErrorEnvelope), (status = 409, description = "user is not pending", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn regenerate(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<InvitationLink>> {
    Ok(Json(invitations::regenerate(&state.users, caller.manager()?, id).await?))
}

/// What an invitation link is for: the address invited, the role, the
/// account (`null` for host roles), who invited and when the link expires;
/// nothing more, to whoever holds the link. A link that no longer works is
/// 410 with `error.link`: `reason` (`used`, `replaced`, `revoked`,
/// `expired`) and `ask`, who made it.
#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "users", params(("token" = String, Path)),
    responses((status = 200, body = InvitationInfo), (status = 404, description = "no such link (never made, or long expired)", body = ErrorEnvelope),
        (status = 410, description = "used, replaced, revoked or expired: `error.link` says which, and whom to ask", body = ErrorEnvelope)))]
pub(crate) async fn invitation_status(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<InvitationInfo>> {
    Ok(Json(invitations::status(&state.users, &token).await?))
}

/// Accept an invitation: the invited address and a new password; signs in.
#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "users", params(("token" = String, Path)), request_body = AcceptInvitation,
    responses((status = 201, description = "account created and signed in", body = Me), (status = 410, description = "used, replaced or expired (`error.link` says which, when known)", body = ErrorEnvelope),
        (status = 422, description = "wrong address or weak password", body = ErrorEnvelope)))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    ClientIp(source): ClientIp,
    Path(token): Path<String>,
    JsonBody(req): JsonBody<AcceptInvitation>,
) -> Result<Response> {
    let (me, session) = invitations::accept(&state.users, &token, &req, source).await?;
    Ok(with_session(&state, StatusCode::CREATED, me, session))
}

/// A password reset link for an active user (emailed when SMTP is on).
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ResetLink), (status = 404, body = ErrorEnvelope), (status = 409, description = "user is still pending", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub(crate) async fn admin_reset_link(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<Json<ResetLink>> {
    Ok(Json(resets::admin_link(&state.users, caller.manager()?, id).await?))
}

/// "Forgot password": always 202, whether or not the address exists.
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "users", request_body = ForgotPassword, responses((status = 202, description = "accepted")))]
pub(crate) async fn forgot(
    State(state): State<AppState>,
    ClientIp(source): ClientIp,
    JsonBody(req): JsonBody<ForgotPassword>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    resets::forgot(&state.users, &req.email, source);
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({}))))
}

/// Whether a reset link can still be used, and the address it resets while it can.
#[utoipa::path(get, path = "/api/v1/password-reset/{token}", tag = "users", params(("token" = String, Path)), responses((status = 200, body = LinkStatus)))]
pub(crate) async fn reset_status(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<LinkStatus>> {
    Ok(Json(resets::status(&state.users, &token).await?))
}

/// Set a new password from a reset link; ends the user's other sessions.
#[utoipa::path(post, path = "/api/v1/password-reset/{token}", tag = "users", params(("token" = String, Path)), request_body = ResetPassword,
    responses((status = 200, description = "password changed"), (status = 410, description = "used or expired", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn reset(
    State(state): State<AppState>,
    ClientIp(source): ClientIp,
    Path(token): Path<String>,
    JsonBody(req): JsonBody<ResetPassword>,
) -> Result<Json<serde_json::Value>> {
    resets::reset(&state.users, &token, &req.password, source).await?;
    Ok(Json(serde_json::json!({})))
}
