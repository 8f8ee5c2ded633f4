//! Server functions the dashboard calls. Each is a thin door: it finds the
//! backend in context and hands it the request; the server does the rest.
//! Endpoints are named explicitly so their URLs are stable (`/api/fn/<name>`).

use leptos::prelude::*;
// Bodies with numbers go as JSON, parsed by the same rules as the REST API
// (`shared::integral`), rather than URL-encoded, where every value is text.
use leptos::server_fn::codec::{Json, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use shared::api::{AccountSummary, ApiError, ErrorCode, HostInfo, Me, UserSummary};
use shared::invite::{InvitationCreated, InvitationLink, InviteRequest, ResetLink};
use shared::outbox::{EmailStatus, EmailSummary};
use shared::smtp::{SmtpAuditEntry, SmtpDraft, SmtpSettings, TestReport};

/// The error every server function returns: the shared `ApiError`, so the
/// dashboard branches on the same codes as REST clients do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppError(pub ApiError);

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Arguments the server could not read are the caller's fault: 400, not 500.
        let code = match value {
            ServerFnErrorErr::Request(_) => ErrorCode::Unavailable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        };
        AppError(ApiError::new(code, value.to_string()))
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError(e)
    }
}

#[server(prefix = "/api/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Me, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.whoami(&req).await?)
}

#[server(prefix = "/api/fn", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.list_users(&req).await?)
}

#[server(prefix = "/api/fn", endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.list_accounts(&req).await?)
}

#[server(prefix = "/api/fn", endpoint = "host_info")]
pub async fn load_host_info() -> Result<HostInfo, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.host_info(&req).await?)
}

#[server(prefix = "/api/fn", endpoint = "create_account")]
pub async fn create_account(name: String) -> Result<AccountSummary, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.create_account(&req, name).await?)
}

#[server(prefix = "/api/fn", endpoint = "rename_account")]
pub async fn rename_account(id: i64, name: String) -> Result<AccountSummary, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.rename_account(&req, id, name).await?)
}

/// Users → "Invite a new user": creates the pending user and its link; emails
/// it when SMTP is on. The link is returned either way, to copy.
#[server(prefix = "/api/fn", endpoint = "invite_user", input = Json)]
pub async fn invite_user(invite: InviteRequest) -> Result<InvitationCreated, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.invite_user(&req, invite).await?)
}

/// Edit user → "Generate invite link" (pending users): the old link dies at once.
#[server(prefix = "/api/fn", endpoint = "regenerate_invitation")]
pub async fn regenerate_invitation(user_id: i64) -> Result<InvitationLink, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.regenerate_invitation(&req, user_id).await?)
}

/// Edit user → "Reset password" (active users): a reset link, emailed when SMTP is on.
#[server(prefix = "/api/fn", endpoint = "reset_link")]
pub async fn make_reset_link(user_id: i64) -> Result<ResetLink, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.reset_link(&req, user_id).await?)
}

/// Host settings → Email activity: the newest emails, optionally in one state.
#[server(prefix = "/api/fn", endpoint = "list_emails")]
pub async fn list_emails(status: Option<EmailStatus>) -> Result<Vec<EmailSummary>, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.list_emails(&req, status).await?)
}

/// Email activity → Retry: a failed, retrying or discarded email goes out again now.
#[server(prefix = "/api/fn", endpoint = "retry_email")]
pub async fn retry_email(id: i64) -> Result<EmailSummary, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.retry_email(&req, id).await?)
}

/// Email activity → Discard: gives up on an email that has not been sent.
#[server(prefix = "/api/fn", endpoint = "discard_email")]
pub async fn discard_email(id: i64) -> Result<EmailSummary, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.discard_email(&req, id).await?)
}

/// Host settings → SMTP configuration: the saved configuration (never its password).
#[server(prefix = "/api/fn", endpoint = "smtp_settings")]
pub async fn load_smtp_settings() -> Result<SmtpSettings, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.smtp_settings(&req).await?)
}

/// Saves the form. A blank password keeps the stored one.
#[server(prefix = "/api/fn", endpoint = "save_smtp", input = Json)]
pub async fn save_smtp(draft: SmtpDraft) -> Result<SmtpSettings, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.save_smtp(&req, draft).await?)
}

/// The on/off switch. Turning on needs a saved configuration (409 otherwise).
#[server(prefix = "/api/fn", endpoint = "set_smtp_enabled")]
pub async fn set_smtp_enabled(enabled: bool) -> Result<SmtpSettings, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.set_smtp_enabled(&req, enabled).await?)
}

/// "Send test email" to the signed-in user, with the values in the form
/// (saved or not); without a draft, the saved configuration.
#[server(prefix = "/api/fn", endpoint = "test_smtp", input = Json)]
pub async fn send_test_email(draft: Option<SmtpDraft>) -> Result<TestReport, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.test_smtp(&req, draft).await?)
}

/// Host settings → SMTP configuration → History: who saved, switched or tested it, newest first.
#[server(prefix = "/api/fn", endpoint = "smtp_audit")]
pub async fn load_smtp_audit() -> Result<Vec<SmtpAuditEntry>, AppError> {
    let (backend, req) = crate::backend::current()?;
    Ok(backend.smtp_audit(&req).await?)
}
