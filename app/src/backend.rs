//! The seam between server functions (declared here) and the server's one
//! service layer. The server implements [`Backend`] and provides a
//! [`BackendHandle`] as Leptos context on every server-function call, so
//! this crate never depends on the server crate.

use http::request::Parts;
use shared::api::{AccountSummary, ApiError, ErrorCode, HostInfo, Me, UserSummary};
use shared::invite::{InvitationCreated, InvitationLink, InviteRequest, ResetLink};
use shared::outbox::{EmailStatus, EmailSummary};
use shared::smtp::{SmtpAuditEntry, SmtpDraft, SmtpSettings, TestReport};
use std::sync::Arc;

/// Every method authenticates the request itself (session cookie or bearer
/// token in `req`) and applies the same role checks as the REST API.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    async fn whoami(&self, req: &Parts) -> Result<Me, ApiError>;
    async fn list_users(&self, req: &Parts) -> Result<Vec<UserSummary>, ApiError>;
    async fn list_accounts(&self, req: &Parts) -> Result<Vec<AccountSummary>, ApiError>;
    async fn host_info(&self, req: &Parts) -> Result<HostInfo, ApiError>;
    async fn create_account(&self, req: &Parts, name: String) -> Result<AccountSummary, ApiError>;
    async fn rename_account(&self, req: &Parts, id: i64, name: String) -> Result<AccountSummary, ApiError>;
    async fn invite_user(&self, req: &Parts, invite: InviteRequest) -> Result<InvitationCreated, ApiError>;
    async fn regenerate_invitation(&self, req: &Parts, user_id: i64) -> Result<InvitationLink, ApiError>;
    async fn reset_link(&self, req: &Parts, user_id: i64) -> Result<ResetLink, ApiError>;
    async fn list_emails(&self, req: &Parts, status: Option<EmailStatus>) -> Result<Vec<EmailSummary>, ApiError>;
    async fn retry_email(&self, req: &Parts, id: i64) -> Result<EmailSummary, ApiError>;
    async fn discard_email(&self, req: &Parts, id: i64) -> Result<EmailSummary, ApiError>;
    async fn smtp_settings(&self, req: &Parts) -> Result<SmtpSettings, ApiError>;
    async fn save_smtp(&self, req: &Parts, draft: SmtpDraft) -> Result<SmtpSettings, ApiError>;
    async fn set_smtp_enabled(&self, req: &Parts, enabled: bool) -> Result<SmtpSettings, ApiError>;
    async fn test_smtp(&self, req: &Parts, draft: Option<SmtpDraft>) -> Result<TestReport, ApiError>;
    async fn smtp_audit(&self, req: &Parts) -> Result<Vec<SmtpAuditEntry>, ApiError>;
}

pub type BackendHandle = Arc<dyn Backend>;

/// The backend and the incoming request, from the server function's context.
pub fn current() -> Result<(BackendHandle, Parts), ApiError> {
    let missing = || ApiError::new(ErrorCode::Internal, "server function called without its backend");
    let backend = leptos::prelude::use_context::<BackendHandle>().ok_or_else(missing)?;
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(missing)?;
    Ok((backend, parts))
}
