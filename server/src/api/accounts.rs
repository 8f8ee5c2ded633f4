//! REST doors onto the users service.

use super::error::Result;
use super::extract::{Authed, JsonBody};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use gatehouse_core::state::AppState;
use gatehouse_core::users::service;
use serde::Deserialize;
use shared::account::{AccountRequest, AccountUpdate, SenderTest};
use shared::api::{AccountSummary, ErrorEnvelope, UserSummary, UserUpdate};
use shared::api::{FieldErrors, UserFilter, UserStatus, PAGE_DEFAULT};
use shared::smtp::TestReport;
use shared::Role;

/// This file's part of the OpenAPI document (`api::openapi` puts the parts together).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_users, update_user, delete_user, list_accounts, create_account, update_account, delete_account, test_sender))]
pub(super) struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users))
        .route("/users/{id}", patch(update_user).delete(delete_user))
        .route("/accounts", get(list_accounts).post(create_account))
        .route("/accounts/{id}", patch(update_account).delete(delete_account))
        .route("/accounts/{id}/sender/test", post(test_sender))
}

/// Change a user's role, account, or whether they are disabled: host admins
/// on everyone, account admins within their own account. A disabled user's
/// sessions and tokens stop working at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserSummary), (status = 404, description = "no such user, or no such account", body = ErrorEnvelope),
        (status = 409, description = "the last active host admin cannot be demoted or disabled", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "outside the caller's users, or not an admin", body = ErrorEnvelope)))]
pub(crate) async fn update_user(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<i64>,
    JsonBody(change): JsonBody<UserUpdate>,
) -> Result<Json<UserSummary>> {
    Ok(Json(service::update_user(&state.users, caller.manager()?, id, &change).await?))
}

/// Remove a user (a pending user's invitation dies with them).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorEnvelope), (status = 409, description = "the last active host admin stays", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "outside the caller's users, or not an admin", body = ErrorEnvelope)))]
pub(crate) async fn delete_user(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<StatusCode> {
    service::delete_user(&state.users, caller.manager()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserQuery {
    /// Only users whose email contains this, any case.
    q: Option<String>,
    /// Only users in this role. Read as text and parsed here, so an unknown name gets 422 naming the known ones.
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Only users in this state.
    #[param(value_type = Option<UserStatus>)]
    status: Option<String>,
    /// Only this account's users.
    account_id: Option<i64>,
    /// Where the page starts: the `cursor` of the `Link: rel="next"` URL.
    cursor: Option<String>,
    /// Users per page, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// A page of the users the caller may see, by email: everyone for host
/// roles, their own account's for account roles. The next page's URL is in
/// `Link: <…>; rel="next"`, absent on the last page. A pending user whose
/// invitation email has not gone out (queued, held, retrying, failed) has
/// `invitation`, with the link to share by hand for callers who manage them
/// (host admins; account admins, their account's users), null for the rest.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = []), ("session" = [])), params(UserQuery),
    responses((status = 200, body = Vec<UserSummary>, headers(("Link" = String, description = "`<next page URL>; rel=\"next\"`, when there is one"))),
        (status = 422, description = "an unknown role or status, or a page size out of range", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope)))]
pub(crate) async fn list_users(State(state): State<AppState>, Authed(caller): Authed, Query(query): Query<UserQuery>) -> Result<Response> {
    let mut fields = FieldErrors::default();
    let role = query.role.as_deref().map(|r| Role::parse(r).ok_or("one of host_admin, host_user, account_admin, account_user"));
    let status = query.status.as_deref().map(|s| UserStatus::parse(s).ok_or("one of pending, active, disabled"));
    let role = role.and_then(|r| fields.check("role", r));
    let status = status.and_then(|s| fields.check("status", s));
    fields.into_result()?;
    let filter = UserFilter { q: query.q.clone(), role, status, account_id: query.account_id };
    let page = service::list_users(&state.users, &caller, &filter, query.cursor.as_deref(), query.limit).await?;
    let filters = [("q", query.q), ("role", query.role), ("status", query.status), ("account_id", query.account_id.map(|a| a.to_string()))];
    Ok(super::paging::page(page.items, &state.public_url, "/api/v1/users", &filters, page.next_cursor, query.limit.unwrap_or(PAGE_DEFAULT)))
}

/// The accounts the caller may see: all for host roles, their own for
/// account roles; each with its own sender, if it has one.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "users", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AccountSummary>), (status = 401, description = "not signed in", body = ErrorEnvelope)))]
pub(crate) async fn list_accounts(State(state): State<AppState>, Authed(caller): Authed) -> Result<Json<Vec<AccountSummary>>> {
    Ok(Json(service::list_accounts(&state.users, &caller).await?))
}

/// Create an account, so account users can be invited into it.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "users", security(("bearer" = []), ("session" = [])), request_body = AccountRequest,
    responses((status = 201, body = AccountSummary), (status = 409, description = "name taken", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "not a host admin", body = ErrorEnvelope)))]
pub(crate) async fn create_account(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(req): JsonBody<AccountRequest>,
) -> Result<(StatusCode, Json<AccountSummary>)> {
    Ok((StatusCode::CREATED, Json(service::create_account(&state.users, caller.host_admin()?, &req).await?)))
}

/// Change an account's name, its own sender, or both; what is left out
/// stays, and `"sender": null` removes the sender (its users' emails then say
/// the host's From). Renaming is for host admins; the sender for host admins,
/// and for the account's own admins when the host allows it
/// (`account_senders.account_admins_may_set` on `GET /api/v1/host`). A
/// sender's addresses must be on the host's allowed domains. Audited.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)), request_body = AccountUpdate,
    responses((status = 200, body = AccountSummary), (status = 404, description = "no such account", body = ErrorEnvelope), (status = 409, description = "name taken", body = ErrorEnvelope),
        (status = 422, description = "a bad name, or a sender field (`fields[\"sender.from_email\"]`, …), such as an address outside the allowed domains", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope),
        (status = 403, description = "another account's admin; an account admin renaming, or setting the sender while the host does not allow it; not an admin", body = ErrorEnvelope)))]
pub(crate) async fn update_account(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<i64>,
    JsonBody(change): JsonBody<AccountUpdate>,
) -> Result<Json<AccountSummary>> {
    Ok(Json(service::update_account(&state.users, caller.manager()?, id, &change).await?))
}

/// Send a test email from the account's sender (the body's, for callers who
/// may set it, or the saved one) to the caller's own address, through the host's relay, whose address
/// stays the envelope sender: host admins for any account, the account's
/// admins for their own. The report says the stage reached and the relay's reply.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sender/test", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)), request_body = SenderTest,
    responses((status = 200, description = "the test's outcome, sent or not", body = TestReport), (status = 404, description = "no such account", body = ErrorEnvelope),
        (status = 409, description = "no sender to test, or no relay saved", body = ErrorEnvelope), (status = 422, description = "a sender field", body = ErrorEnvelope),
        (status = 429, description = "too many test emails this minute", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope),
        (status = 403, description = "another account's admin; an account admin trying an unsaved sender while the host does not let them set one; not an admin", body = ErrorEnvelope)))]
pub(crate) async fn test_sender(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<SenderTest>,
) -> Result<Json<TestReport>> {
    Ok(Json(service::test_account_sender(&state.users, &state.smtp, caller.manager()?, id, &req).await?))
}

/// Delete an account and every user in it: their sessions, tokens and links
/// die at once and their queued emails are cancelled; the audit log keeps
/// the record. Host admins any account; account admins their own.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "users", security(("bearer" = []), ("session" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted, with its users"), (status = 404, description = "no such account", body = ErrorEnvelope),
        (status = 401, description = "not signed in", body = ErrorEnvelope), (status = 403, description = "another account's admin, or not an admin", body = ErrorEnvelope)))]
pub(crate) async fn delete_account(State(state): State<AppState>, Authed(caller): Authed, Path(id): Path<i64>) -> Result<StatusCode> {
    service::delete_account(&state.users, caller.manager()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
