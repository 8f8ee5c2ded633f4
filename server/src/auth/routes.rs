//! REST doors onto the auth service.

use super::caller::{session_cookie, SESSION_COOKIE};
use super::service::{self, NewSession, SESSION_TTL_SECS};
use crate::api::JsonBody;
use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use shared::api::{Me, SetupRequest, SetupStatus, SignInRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(me))
        .route("/setup/{token}", get(setup_status).post(complete_setup))
}

async fn sign_in(State(state): State<AppState>, JsonBody(req): JsonBody<SignInRequest>) -> Result<Response> {
    let (me, session) = service::sign_in(&state, &req).await?;
    Ok(with_session(&state, StatusCode::OK, me, session))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    service::sign_out(&state, session_cookie(&headers)).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(res)
}

async fn me(caller: Caller) -> Json<Me> {
    Json(service::whoami(&caller))
}

async fn setup_status(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<SetupStatus>> {
    Ok(Json(service::setup_status(&state, &token).await?))
}

async fn complete_setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    JsonBody(req): JsonBody<SetupRequest>,
) -> Result<Response> {
    let (me, session) = service::complete_setup(&state, &token, &req).await?;
    Ok(with_session(&state, StatusCode::CREATED, me, session))
}

fn with_session(state: &AppState, status: StatusCode, me: Me, session: NewSession) -> Response {
    let mut res = (status, Json(me)).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(state, &session.secret, SESSION_TTL_SECS));
    res
}

/// HttpOnly, SameSite=Strict, and Secure whenever the console is served over https.
fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.public_url.is_https() { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&cookie).expect("cookie is ASCII")
}
