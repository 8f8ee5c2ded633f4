//! The dashboard's server functions (declared in `app`) reach the same
//! services as the REST routes through `app::backend::Backend`, which this
//! module implements and hands to Leptos as context on every call.

use crate::auth::{self, authenticate};
use crate::error::Failure;
use crate::state::AppState;
use crate::{outbox, smtp, users};
use app::backend::{Backend, BackendHandle};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use shared::account::AccountRequest;
use shared::api::{AccountSummary, ApiError, HostInfo, Me, UserSummary};
use shared::invite::{InvitationCreated, InvitationLink, InviteRequest, ResetLink};
use shared::outbox::{EmailStatus, EmailSummary};
use shared::smtp::{SmtpAuditEntry, SmtpDraft, SmtpSettings, TestReport};
use std::sync::Arc;

struct Services(AppState);

impl Services {
    async fn caller(&self, req: &Parts) -> Result<auth::Caller, ApiError> {
        authenticate(&self.0, &req.headers).await.map_err(|f| f.0)
    }
}

#[async_trait::async_trait]
impl Backend for Services {
    async fn whoami(&self, req: &Parts) -> Result<Me, ApiError> {
        let caller = self.caller(req).await?;
        Ok(auth::service::whoami(&caller))
    }

    async fn list_users(&self, req: &Parts) -> Result<Vec<UserSummary>, ApiError> {
        let caller = self.caller(req).await?;
        users::service::list_users(&self.0, &caller).await.map_err(|f| f.0)
    }

    async fn list_accounts(&self, req: &Parts) -> Result<Vec<AccountSummary>, ApiError> {
        let caller = self.caller(req).await?;
        users::service::list_accounts(&self.0, &caller).await.map_err(|f| f.0)
    }

    async fn host_info(&self, req: &Parts) -> Result<HostInfo, ApiError> {
        let caller = self.caller(req).await?;
        crate::host::host_info(&self.0, &caller).map_err(|f| f.0)
    }

    async fn create_account(&self, req: &Parts, name: String) -> Result<AccountSummary, ApiError> {
        let caller = self.caller(req).await?;
        users::service::create_account(&self.0, &caller, &AccountRequest { name }).await.map_err(|f| f.0)
    }

    async fn rename_account(&self, req: &Parts, id: i64, name: String) -> Result<AccountSummary, ApiError> {
        let caller = self.caller(req).await?;
        users::service::rename_account(&self.0, &caller, id, &AccountRequest { name }).await.map_err(|f| f.0)
    }

    async fn invite_user(&self, req: &Parts, invite: InviteRequest) -> Result<InvitationCreated, ApiError> {
        let caller = self.caller(req).await?;
        users::invitations::invite(&self.0, &caller, &invite).await.map_err(|f| f.0)
    }

    async fn regenerate_invitation(&self, req: &Parts, user_id: i64) -> Result<InvitationLink, ApiError> {
        let caller = self.caller(req).await?;
        users::invitations::regenerate(&self.0, &caller, user_id).await.map_err(|f| f.0)
    }

    async fn reset_link(&self, req: &Parts, user_id: i64) -> Result<ResetLink, ApiError> {
        let caller = self.caller(req).await?;
        users::resets::admin_link(&self.0, &caller, user_id).await.map_err(|f| f.0)
    }

    async fn list_emails(&self, req: &Parts, status: Option<EmailStatus>) -> Result<Vec<EmailSummary>, ApiError> {
        let caller = self.caller(req).await?;
        outbox::service::list(&self.0, &caller, status).await.map_err(|f| f.0)
    }

    async fn retry_email(&self, req: &Parts, id: i64) -> Result<EmailSummary, ApiError> {
        let caller = self.caller(req).await?;
        outbox::service::retry(&self.0, &caller, id).await.map_err(|f| f.0)
    }

    async fn discard_email(&self, req: &Parts, id: i64) -> Result<EmailSummary, ApiError> {
        let caller = self.caller(req).await?;
        outbox::service::discard(&self.0, &caller, id).await.map_err(|f| f.0)
    }

    async fn smtp_settings(&self, req: &Parts) -> Result<SmtpSettings, ApiError> {
        let caller = self.caller(req).await?;
        smtp::service::settings(&self.0, &caller).await.map_err(|f| f.0)
    }

    async fn save_smtp(&self, req: &Parts, draft: SmtpDraft) -> Result<SmtpSettings, ApiError> {
        let caller = self.caller(req).await?;
        smtp::service::save(&self.0, &caller, &draft).await.map_err(|f| f.0)
    }

    async fn set_smtp_enabled(&self, req: &Parts, enabled: bool) -> Result<SmtpSettings, ApiError> {
        let caller = self.caller(req).await?;
        smtp::service::set_enabled(&self.0, &caller, enabled).await.map_err(|f| f.0)
    }

    async fn test_smtp(&self, req: &Parts, draft: Option<SmtpDraft>) -> Result<TestReport, ApiError> {
        let caller = self.caller(req).await?;
        smtp::service::send_test(&self.0, &caller, draft.as_ref()).await.map_err(|f| f.0)
    }

    async fn smtp_audit(&self, req: &Parts) -> Result<Vec<SmtpAuditEntry>, ApiError> {
        let caller = self.caller(req).await?;
        smtp::service::audit_log(&self.0, &caller).await.map_err(|f| f.0)
    }
}

/// `POST /api/fn/{name}`: runs the server function with the backend in context.
///
/// Leptos answers every server-function error with 500; the error body is our
/// `ApiError`, so the status is set back to the one its code stands for (a
/// missing session is 401, not a server fault).
pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let backend: BackendHandle = Arc::new(Services(state));
    let res = leptos_axum::handle_server_fns_with_context(move || leptos::prelude::provide_context(backend.clone()), req).await.into_response();
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match to_bytes(body, 1 << 20).await {
        Ok(bytes) => bytes,
        Err(e) => return Failure::internal("reading a server function's error", e).into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
