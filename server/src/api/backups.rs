//! REST doors onto backups (Host settings → Backup and restore). Making a
//! backup and seeing or resetting the key need a signed-in session with the
//! password typed again: a token cannot take everything the instance holds.
//! Restoring is the operator's (`gatehouse restore`).

use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_core::backup;
use gatehouse_core::state::AppState;
use shared::api::ErrorEnvelope;
use shared::backup::{BackupKeyShown, BackupOverview, PasswordConfirmation};

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(overview, create, key, reset_key))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new().route("/backups", get(overview).post(create)).route("/backup-key", post(key)).route("/backup-key/reset", post(reset_key))
}

/// The automatic backups of the instance that answers (`GATEHOUSE_BACKUP_DIR`): where, how
/// often, how many kept, the files there, and the last failure while the last attempt failed.
#[utoipa::path(get, path = "/api/v1/backups", tag = "backups", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = BackupOverview), (status = 401, body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn overview(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<BackupOverview>> {
    Ok(Json(backup::overview(&state.backups, caller.host_admin()?)?))
}

/// A backup of everything the instance holds, now, encrypted with the backup key: the file
/// itself (`application/octet-stream`, named in `Content-Disposition`). A host admin in a
/// signed-in session, with their password.
#[utoipa::path(post, path = "/api/v1/backups", tag = "backups", security(("session" = [])), request_body = PasswordConfirmation,
    responses((status = 200, description = "the backup file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, description = "not a host admin, an API token, or the wrong password", body = ErrorEnvelope),
        (status = 429, description = "too many wrong passwords", body = ErrorEnvelope)))]
pub(crate) async fn create(State(state): State<AppState>, Authed(caller): Authed, JsonBody(req): JsonBody<PasswordConfirmation>) -> Result<impl IntoResponse> {
    let file = backup::make_for_admin(&state.backups, &state.auth, caller.host_admin()?, &req.password).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.name);
    Ok(([(header::CONTENT_TYPE, "application/octet-stream".to_owned()), (header::CONTENT_DISPOSITION, disposition)], file.bytes))
}

/// The backup key (and its fingerprint): keep it apart from the backups. A host admin in a
/// signed-in session, with their password.
#[utoipa::path(post, path = "/api/v1/backup-key", tag = "backups", security(("session" = [])), request_body = PasswordConfirmation,
    responses((status = 200, body = BackupKeyShown),
        (status = 403, description = "not a host admin, an API token, or the wrong password", body = ErrorEnvelope),
        (status = 429, description = "too many wrong passwords", body = ErrorEnvelope)))]
pub(crate) async fn key(State(state): State<AppState>, Authed(caller): Authed, JsonBody(req): JsonBody<PasswordConfirmation>) -> Result<Json<BackupKeyShown>> {
    Ok(Json(backup::key_for_admin(&state.backups, &state.auth, caller.host_admin()?, &req.password).await?))
}

/// A new backup key for the backups made from now on (older files keep needing the key they
/// were made with). A host admin in a signed-in session, with their password.
#[utoipa::path(post, path = "/api/v1/backup-key/reset", tag = "backups", security(("session" = [])), request_body = PasswordConfirmation,
    responses((status = 200, body = BackupKeyShown),
        (status = 403, description = "not a host admin, an API token, or the wrong password", body = ErrorEnvelope),
        (status = 429, description = "too many wrong passwords", body = ErrorEnvelope)))]
pub(crate) async fn reset_key(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(req): JsonBody<PasswordConfirmation>,
) -> Result<Json<BackupKeyShown>> {
    Ok(Json(backup::reset_key_for_admin(&state.backups, &state.auth, caller.host_admin()?, &req.password).await?))
}
