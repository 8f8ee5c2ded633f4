//! REST doors onto the auth service.

use super::client_ip::ClientIp;
use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::auth::service::{self, NewSession, SESSION_TTL_SECS};
use gatehouse_core::state::AppState;
use shared::api::{ChangePassword, ErrorEnvelope, Me, MeUpdate, SetupRequest, SetupStatus, SignInRequest};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(sign_in, sign_out, me, update_me, change_password, setup_status, complete_setup))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(me).patch(update_me))
        .route("/me/password", post(change_password))
        .route("/setup/{token}", get(setup_status).post(complete_setup))
}

/// The caller's language, kept on the server: the dashboard opens in it on any browser.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", security(("bearer" = []), ("session" = [])), request_body = MeUpdate,
    responses((status = 200, body = Me), (status = 401, description = "not signed in", body = ErrorEnvelope)))]
pub(crate) async fn update_me(State(state): State<AppState>, Authed(caller): Authed, JsonBody(update): JsonBody<MeUpdate>) -> Result<Json<Me>> {
    Ok(Json(service::set_language(&state.auth, &caller, &update).await?))
}

/// The caller's own new password, given the current one; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = []), ("session" = [])), request_body = ChangePassword,
    responses((status = 204, description = "changed"), (status = 403, description = "the current password is wrong (named in `fields`)", body = ErrorEnvelope),
        (status = 429, description = "too many wrong current passwords: wait the seconds the message names", body = ErrorEnvelope),
        (status = 422, description = "the new password needs fixing", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope)))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authed(caller): Authed,
    JsonBody(req): JsonBody<ChangePassword>,
) -> Result<StatusCode> {
    service::change_password(&state.auth, &caller, state.auth.cookie.find(&headers), &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "auth", request_body = SignInRequest, responses(
    (status = 200, description = "signed in; `Set-Cookie: gh_session=…` (`__Host-gh_session` over https)", body = Me),
    (status = 401, description = "wrong email or password", body = ErrorEnvelope),
    (status = 429, description = "too many failed sign-ins from this address (for this account, or for many): wait the seconds the message names", body = ErrorEnvelope)))]
pub(crate) async fn sign_in(State(state): State<AppState>, ClientIp(source): ClientIp, JsonBody(req): JsonBody<SignInRequest>) -> Result<Response> {
    let (me, session) = service::sign_in(&state.auth, &req, source).await?;
    Ok(with_session(&state, StatusCode::OK, me, session))
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "auth", responses((status = 204, description = "signed out")))]
pub(crate) async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    service::sign_out(&state.db, state.auth.cookie.find(&headers)).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(res)
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Me), (status = 401, description = "not signed in", body = ErrorEnvelope)))]
pub(crate) async fn me(Authed(caller): Authed) -> Json<Me> {
    Json(service::whoami(&caller))
}

/// Whether a first-run setup link can still be used, and while it can, the host's name.
#[utoipa::path(get, path = "/api/v1/setup/{token}", tag = "auth", params(("token" = String, Path)),
    responses((status = 200, body = SetupStatus)))]
pub(crate) async fn setup_status(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<SetupStatus>> {
    Ok(Json(gatehouse_core::host::setup_page(&state.users, &token).await?))
}

/// Create the first host admin from the setup link (once) and sign in.
#[utoipa::path(post, path = "/api/v1/setup/{token}", tag = "auth", params(("token" = String, Path)), request_body = SetupRequest, responses(
    (status = 201, description = "created and signed in", body = Me),
    (status = 410, description = "link used or expired", body = ErrorEnvelope),
    (status = 422, description = "invalid fields", body = ErrorEnvelope)))]
pub(crate) async fn complete_setup(
    State(state): State<AppState>,
    ClientIp(source): ClientIp,
    Path(token): Path<String>,
    JsonBody(req): JsonBody<SetupRequest>,
) -> Result<Response> {
    let (me, session) = service::complete_setup(&state.auth, &token, &req, source).await?;
    Ok(with_session(&state, StatusCode::CREATED, me, session))
}

pub(crate) fn with_session(state: &AppState, status: StatusCode, me: Me, session: NewSession) -> Response {
    let mut res = (status, Json(me)).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(state, &session.secret, SESSION_TTL_SECS));
    res
}

/// HttpOnly, SameSite=Strict, and over https Secure with the `__Host-` name.
fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let session = state.auth.cookie;
    let secure = if session.secure { "; Secure" } else { "" };
    let cookie = format!("{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}", session.name);
    HeaderValue::from_str(&cookie).expect("cookie is ASCII")
}
