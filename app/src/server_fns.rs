//! Server functions the dashboard calls. Each is a thin door: on the server
//! (the `ssr` feature) its body authenticates the request and calls the same
//! service in `gatehouse-core` as the REST API does; in the browser the macro
//! turns it into a request.
//! Endpoints are named explicitly so their URLs are stable (`/api/fn/<name>`).

use crate::error::AppError;
use leptos::prelude::*;
// Bodies with numbers go as JSON, parsed by the same rules as the REST API
// (`shared::integral`), rather than URL-encoded, where every value is text.
use leptos::server_fn::codec::Json;
use shared::account::{AccountSender, AccountUpdate};
use shared::api::{AccountDetail, AccountSummary, ChangePassword, HostInfo, Me, MeUpdate, Page, UserFilter, UserSummary, UserUpdate};
use shared::audit::{AuditAction, AuditPage};
use shared::backup::{BackupDownload, BackupKeyShown, BackupOverview};
use shared::delivery::DeliveryHealth;
use shared::invite::{InvitationCreated, InvitationLink, InviteRequest, ResetLink};
use shared::outbox::{EmailFilter, EmailSummary};
use shared::smtp::{SmtpAuditEntry, SmtpDraft, SmtpSettings, TestReport};
use shared::token::{ApiTokenSummary, CreatedApiToken, NewApiToken};

#[server(prefix = "/api/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Me, AppError> {
    let (_state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::auth::service::whoami(&caller))
}

#[server(prefix = "/api/fn", endpoint = "list_users", input = Json)]
pub async fn list_users(filter: UserFilter, cursor: Option<String>) -> Result<Page<UserSummary>, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::list_users(&state.users, &caller, &filter, cursor.as_deref(), None).await?)
}

#[server(prefix = "/api/fn", endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::list_accounts(&state.users, &caller).await?)
}

#[server(prefix = "/api/fn", endpoint = "host_info")]
pub async fn load_host_info() -> Result<HostInfo, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::host::host_info(&state.users, &state.public_url, caller.host_admin()?).await?)
}

/// Host settings → the pen beside the host's name → Confirm.
#[server(prefix = "/api/fn", endpoint = "rename_host")]
pub async fn rename_host(name: String) -> Result<HostInfo, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let update = shared::api::HostUpdate { name: Some(name), ..Default::default() };
    Ok(gatehouse_core::host::update(&state.users, &state.public_url, caller.host_admin()?, &update).await?)
}

/// Host settings → Account senders → Save: whether account admins may set
/// their account's sender, and the domains senders may use.
#[server(prefix = "/api/fn", endpoint = "update_sender_policy", input = Json)]
pub async fn update_sender_policy(account_admins_may_set: bool, domains: Vec<String>) -> Result<HostInfo, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let update =
        shared::api::HostUpdate { account_admins_may_set_sender: Some(account_admins_may_set), account_sender_domains: Some(domains), ..Default::default() };
    Ok(gatehouse_core::host::update(&state.users, &state.public_url, caller.host_admin()?, &update).await?)
}

/// An account's page: the account, and whether the caller may change its sender.
#[server(prefix = "/api/fn", endpoint = "load_account", input = Json)]
pub async fn load_account(id: i64) -> Result<AccountDetail, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::account_detail(&state.users, caller.manager()?, id).await?)
}

/// An account's page → Sender → Save or Remove.
#[server(prefix = "/api/fn", endpoint = "update_account", input = Json)]
pub async fn update_account(id: i64, update: AccountUpdate) -> Result<AccountSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::update_account(&state.users, caller.manager()?, id, &update).await?)
}

/// An account's page → Sender → "Send a test email": to the caller's own address.
#[server(prefix = "/api/fn", endpoint = "test_account_sender", input = Json)]
pub async fn test_account_sender(id: i64, sender: Option<AccountSender>) -> Result<TestReport, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let req = shared::account::SenderTest { sender };
    Ok(gatehouse_core::users::service::test_account_sender(&state.users, &state.smtp, caller.manager()?, id, &req).await?)
}

#[server(prefix = "/api/fn", endpoint = "create_account")]
pub async fn create_account(name: String) -> Result<AccountSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::create_account(&state.users, caller.host_admin()?, &shared::account::AccountRequest { name }).await?)
}

#[server(prefix = "/api/fn", endpoint = "rename_account")]
pub async fn rename_account(id: i64, name: String) -> Result<AccountSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let update = AccountUpdate { name: Some(name), sender: None };
    Ok(gatehouse_core::users::service::update_account(&state.users, caller.manager()?, id, &update).await?)
}

/// Accounts → Delete (after typing the account's name): the account and its users.
#[server(prefix = "/api/fn", endpoint = "delete_account")]
pub async fn delete_account(id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::delete_account(&state.users, caller.manager()?, id).await?)
}

/// Users → "Invite a new user": creates the pending user and its link; emails
/// it when SMTP is on. The link is returned either way, to copy.
#[server(prefix = "/api/fn", endpoint = "invite_user", input = Json)]
pub async fn invite_user(invite: InviteRequest) -> Result<InvitationCreated, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::invitations::invite(&state.users, caller.manager()?, &invite).await?)
}

/// Edit user → "Generate invite link" (pending users): the old link dies at once.
#[server(prefix = "/api/fn", endpoint = "regenerate_invitation")]
pub async fn regenerate_invitation(user_id: i64) -> Result<InvitationLink, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::invitations::regenerate(&state.users, caller.manager()?, user_id).await?)
}

/// Edit user → "Reset password" (active users): a reset link, emailed when SMTP is on.
#[server(prefix = "/api/fn", endpoint = "reset_link")]
pub async fn make_reset_link(user_id: i64) -> Result<ResetLink, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::resets::admin_link(&state.users, caller.manager()?, user_id).await?)
}

/// Host settings → Email activity: the newest emails, optionally in one state.
#[server(prefix = "/api/fn", endpoint = "list_emails", input = Json)]
pub async fn list_emails(filter: EmailFilter, cursor: Option<String>) -> Result<Page<EmailSummary>, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::outbox::service::list(&state.outbox, &caller, &filter, cursor.as_deref(), None).await?)
}

/// The delivery banner: delivery health as the caller may see it.
#[server(prefix = "/api/fn", endpoint = "delivery_health")]
pub async fn load_delivery_health() -> Result<DeliveryHealth, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::delivery::service::health(&state.delivery, &caller).await?)
}

/// Email activity → Retry: a failed, retrying or discarded email goes out again now.
#[server(prefix = "/api/fn", endpoint = "retry_email")]
pub async fn retry_email(id: i64) -> Result<EmailSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::outbox::service::retry(&state.outbox, caller.host_admin()?, id).await?)
}

/// Email activity → Discard: gives up on an email that has not been sent.
#[server(prefix = "/api/fn", endpoint = "discard_email")]
pub async fn discard_email(id: i64) -> Result<EmailSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::outbox::service::discard(&state.outbox, caller.host_admin()?, id).await?)
}

/// Host settings → SMTP configuration: the saved configuration (never its password).
#[server(prefix = "/api/fn", endpoint = "smtp_settings")]
pub async fn load_smtp_settings() -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::service::settings(&state.smtp, caller.host_admin()?).await?)
}

/// Saves the form. A blank password keeps the stored one.
#[server(prefix = "/api/fn", endpoint = "save_smtp", input = Json)]
pub async fn save_smtp(draft: SmtpDraft) -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::service::save(&state.smtp, caller.host_admin()?, &draft).await?)
}

/// The on/off switch. Turning on needs a saved configuration (409 otherwise).
#[server(prefix = "/api/fn", endpoint = "set_smtp_enabled")]
pub async fn set_smtp_enabled(enabled: bool) -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::service::set_enabled(&state.smtp, caller.host_admin()?, enabled).await?)
}

/// "Send test email" to the signed-in user, with the values in the form
/// (saved or not); without a draft, the saved configuration.
#[server(prefix = "/api/fn", endpoint = "test_smtp", input = Json)]
pub async fn send_test_email(draft: Option<SmtpDraft>) -> Result<TestReport, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::service::send_test(&state.smtp, caller.host_admin()?, draft.as_ref()).await?)
}

/// Host settings → SMTP configuration → History: who saved, switched or tested it, newest first.
#[server(prefix = "/api/fn", endpoint = "smtp_audit")]
pub async fn load_smtp_audit() -> Result<Vec<SmtpAuditEntry>, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::service::audit_log(&state.smtp, caller.host_admin()?).await?)
}

/// Host settings → SMTP configuration → Fallback relay, as saved (`saved: false` when none;
/// never its secret). `enabled`: in use (saved, and SMTP on).
#[server(prefix = "/api/fn", endpoint = "fallback_settings")]
pub async fn load_fallback_settings() -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::fallback::settings(&state.smtp, caller.host_admin()?).await?)
}

/// Saves the fallback relay's form. A blank password keeps the stored one.
#[server(prefix = "/api/fn", endpoint = "save_fallback", input = Json)]
pub async fn save_fallback(draft: SmtpDraft) -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::fallback::save(&state.smtp, caller.host_admin()?, &draft).await?)
}

/// Removes the fallback relay; what is left (`saved: false`).
#[server(prefix = "/api/fn", endpoint = "remove_fallback")]
pub async fn remove_fallback() -> Result<SmtpSettings, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::fallback::remove(&state.smtp, caller.host_admin()?).await?)
}

/// "Send test email" through the fallback relay to the signed-in user: the form's values, or
/// without a draft the saved fallback.
#[server(prefix = "/api/fn", endpoint = "test_fallback", input = Json)]
pub async fn send_fallback_test_email(draft: Option<SmtpDraft>) -> Result<TestReport, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::smtp::fallback::send_test(&state.smtp, caller.host_admin()?, draft.as_ref()).await?)
}

/// Profile → Language: kept on the server, so every browser opens in it.
#[server(prefix = "/api/fn", endpoint = "set_language", input = Json)]
pub async fn set_language(update: MeUpdate) -> Result<Me, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::auth::service::set_language(&state.auth, &caller, &update).await?)
}

/// Profile → Change password: other sessions end; this one stays.
#[server(prefix = "/api/fn", endpoint = "change_password", input = Json)]
pub async fn change_my_password(req: ChangePassword) -> Result<(), AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let session = crate::backend::session_secret().await;
    Ok(gatehouse_core::auth::service::change_password(&state.auth, &caller, session.as_deref(), &req).await?)
}

/// Users → Edit: a user's role, account, or disabled state.
#[server(prefix = "/api/fn", endpoint = "update_user", input = Json)]
pub async fn update_user(id: i64, change: UserUpdate) -> Result<UserSummary, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::update_user(&state.users, caller.manager()?, id, &change).await?)
}

/// Users → Edit → Remove.
#[server(prefix = "/api/fn", endpoint = "delete_user")]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::users::service::delete_user(&state.users, caller.manager()?, id).await?)
}

/// Host settings → API tokens: every token, never its secret.
#[server(prefix = "/api/fn", endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::auth::api_tokens::list(&state.auth, caller.host_admin()?).await?)
}

/// API tokens → Create: the token acts as the caller; its secret is in the answer, once.
#[server(prefix = "/api/fn", endpoint = "create_api_token", input = Json)]
pub async fn create_api_token(req: NewApiToken) -> Result<CreatedApiToken, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::auth::api_tokens::create(&state.auth, caller.host_admin()?, &req).await?)
}

/// API tokens → Revoke: the token gets 401 from its next request on.
#[server(prefix = "/api/fn", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::auth::api_tokens::revoke(&state.auth, caller.host_admin()?, id).await?)
}

/// Host settings → Audit log: one page, newest first.
#[server(prefix = "/api/fn", endpoint = "load_audit")]
pub async fn load_audit(actor: Option<String>, action: Option<AuditAction>, cursor: Option<i64>) -> Result<AuditPage, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    let query = gatehouse_core::audit::Query { actor, action, cursor, limit: None };
    Ok(gatehouse_core::host::audit_log(&state.db, caller.host_admin()?, &query).await?)
}

/// Host settings → Backup and restore: the automatic backups.
#[server(prefix = "/api/fn", endpoint = "backup_overview")]
pub async fn load_backup_overview() -> Result<BackupOverview, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::backup::overview(&state.backups, caller.host_admin()?)?)
}

/// "Create backup": the file, after the admin's password.
#[server(prefix = "/api/fn", endpoint = "create_backup", input = Json)]
pub async fn create_backup(password: String) -> Result<BackupDownload, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::backup::make_for_admin(&state.backups, &state.auth, caller.host_admin()?, &password).await?.into_download())
}

/// "Show key": the backup key, after the admin's password.
#[server(prefix = "/api/fn", endpoint = "show_backup_key", input = Json)]
pub async fn show_backup_key(password: String) -> Result<BackupKeyShown, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::backup::key_for_admin(&state.backups, &state.auth, caller.host_admin()?, &password).await?)
}

/// "Reset key": a new backup key, after the admin's password.
#[server(prefix = "/api/fn", endpoint = "reset_backup_key", input = Json)]
pub async fn reset_backup_key(password: String) -> Result<BackupKeyShown, AppError> {
    let (state, caller) = crate::backend::caller().await?;
    Ok(gatehouse_core::backup::reset_key_for_admin(&state.backups, &state.auth, caller.host_admin()?, &password).await?)
}

/// Registers every server function above with Leptos, on the server, which
/// calls this once at start. Registration by linking alone only sees crates
/// the binary otherwise uses, and the server reaches the services directly,
/// not through this crate: so a new server function gets its line here too.
#[cfg(feature = "ssr")]
pub fn register() {
    use server_fn::axum::register_explicit;
    register_explicit::<Whoami>();
    register_explicit::<ListUsers>();
    register_explicit::<ListAccounts>();
    register_explicit::<LoadHostInfo>();
    register_explicit::<RenameHost>();
    register_explicit::<CreateAccount>();
    register_explicit::<RenameAccount>();
    register_explicit::<UpdateSenderPolicy>();
    register_explicit::<LoadAccount>();
    register_explicit::<UpdateAccount>();
    register_explicit::<TestAccountSender>();
    register_explicit::<DeleteAccount>();
    register_explicit::<InviteUser>();
    register_explicit::<RegenerateInvitation>();
    register_explicit::<MakeResetLink>();
    register_explicit::<ListEmails>();
    register_explicit::<LoadDeliveryHealth>();
    register_explicit::<RetryEmail>();
    register_explicit::<DiscardEmail>();
    register_explicit::<LoadSmtpSettings>();
    register_explicit::<SaveSmtp>();
    register_explicit::<SetSmtpEnabled>();
    register_explicit::<SendTestEmail>();
    register_explicit::<LoadSmtpAudit>();
    register_explicit::<LoadFallbackSettings>();
    register_explicit::<SaveFallback>();
    register_explicit::<RemoveFallback>();
    register_explicit::<SendFallbackTestEmail>();
    register_explicit::<ListApiTokens>();
    register_explicit::<CreateApiToken>();
    register_explicit::<RevokeApiToken>();
    register_explicit::<LoadAudit>();
    register_explicit::<UpdateUser>();
    register_explicit::<SetLanguage>();
    register_explicit::<ChangeMyPassword>();
    register_explicit::<DeleteUser>();
    register_explicit::<LoadBackupOverview>();
    register_explicit::<CreateBackup>();
    register_explicit::<ShowBackupKey>();
    register_explicit::<ResetBackupKey>();
}
