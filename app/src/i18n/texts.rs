//! What every language must say: one field per text, and the helpers that
//! pick a text for a value (a role, an error, a test stage).

use shared::api::{ApiError, ErrorCode, UserStatus};
use shared::audit::AuditAction;
use shared::email::EmailError;
use shared::outbox::{EmailKind, EmailStatus};
use shared::password::{PasswordError, MAX_CHARS, MIN_CHARS};
use shared::smtp::{FromNameError, HostError, TestStage, MAX_FROM_NAME_CHARS};
use shared::Role;

pub struct Texts {
    pub language_name: &'static str,
    pub product: &'static str,
    pub tagline: &'static str,
    pub loading: &'static str,
    pub retry: &'static str,
    pub retry_email: &'static str,
    pub language: &'static str,
    // Sign-in
    pub sign_in_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    // Setup
    pub setup_title: &'static str,
    /// The setup page's title with the host's name.
    pub setup_title_for: fn(&str) -> String,
    pub setup_intro: &'static str,
    pub confirm_password: &'static str,
    pub passwords_differ: &'static str,
    pub create_admin: &'static str,
    pub creating: &'static str,
    pub setup_link_dead: &'static str,
    pub go_to_sign_in: &'static str,
    // Navigation and pages
    pub nav_users: &'static str,
    pub nav_accounts: &'static str,
    pub nav_host_settings: &'static str,
    pub users_title: &'static str,
    pub users_empty: &'static str,
    pub col_email: &'static str,
    pub col_role: &'static str,
    pub col_account: &'static str,
    pub col_status: &'static str,
    pub accounts_title: &'static str,
    pub accounts_empty: &'static str,
    pub col_name: &'static str,
    pub new_account: &'static str,
    pub account_name: &'static str,
    pub create_account: &'static str,
    pub rename: &'static str,
    pub save_name: &'static str,
    pub delete_account: &'static str,
    /// What deleting the account named here does, and what to type.
    pub delete_account_confirm: fn(&str) -> String,
    pub delete_account_type_name: &'static str,
    pub delete_account_yes: &'static str,
    pub all_accounts: &'static str,
    pub account_users_title: &'static str,
    pub account_emails_title: &'static str,
    pub account_emails_empty: &'static str,
    pub sender_title: &'static str,
    pub sender_intro: &'static str,
    pub sender_none: &'static str,
    pub sender_domains_allowed: fn(&str) -> String,
    pub sender_reply_to: &'static str,
    pub sender_remove: &'static str,
    pub sender_locked: &'static str,
    pub sender_test: &'static str,
    pub delete_account_title: &'static str,
    pub nav_my_account: &'static str,
    pub account_senders_title: &'static str,
    pub account_senders_intro: &'static str,
    pub admins_may_set_sender: &'static str,
    pub sender_domains_label: &'static str,
    pub sender_domains_help: &'static str,
    pub cancel: &'static str,
    pub account_name_required: &'static str,
    pub host_settings_title: &'static str,
    pub host_settings_intro: &'static str,
    pub public_url: &'static str,
    pub version: &'static str,
    pub database: &'static str,
    pub host_name: &'static str,
    pub rename_host: &'static str,
    pub rename_host_intro: &'static str,
    pub host_name_required: &'static str,
    pub confirm: &'static str,
    // Host settings → sub-pages
    pub nav_settings_overview: &'static str,
    pub nav_smtp: &'static str,
    pub nav_emails: &'static str,
    // Host settings → API tokens
    pub nav_tokens: &'static str,
    pub tokens_title: &'static str,
    pub tokens_intro: &'static str,
    pub tokens_empty: &'static str,
    pub col_owner: &'static str,
    pub col_last_used: &'static str,
    pub col_expires: &'static str,
    pub never: &'static str,
    pub new_token: &'static str,
    pub token_name: &'static str,
    pub token_name_problem: &'static str,
    pub token_days: &'static str,
    pub token_days_problem: &'static str,
    pub token_never: &'static str,
    pub create_token: &'static str,
    pub creating_token: &'static str,
    pub token_shown_once: &'static str,
    pub token_label: &'static str,
    pub revoke: &'static str,
    pub revoke_confirm: fn(&str) -> String,
    pub revoke_yes: &'static str,
    // Host settings → Audit log
    pub nav_audit: &'static str,
    pub nav_backup: &'static str,
    pub backup_title: &'static str,
    pub backup_intro: &'static str,
    pub backup_auto_title: &'static str,
    pub backup_auto_off: &'static str,
    pub backup_auto_facts: fn(&str, u64, u32) -> String,
    pub backup_auto_failed: &'static str,
    pub backup_auto_none: &'static str,
    pub col_taken: &'static str,
    pub col_size: &'static str,
    pub backup_confirm_help: &'static str,
    pub backup_create: &'static str,
    pub backup_creating: &'static str,
    pub backup_ready: &'static str,
    pub backup_save: fn(&str) -> String,
    pub backup_key_title: &'static str,
    pub backup_key_help: &'static str,
    pub backup_key_show: &'static str,
    pub backup_key_reset: &'static str,
    pub backup_key_reset_confirm: &'static str,
    pub backup_key_reset_yes: &'static str,
    pub backup_key_label: &'static str,
    pub backup_key_fingerprint: fn(&str) -> String,
    pub backup_key_new: &'static str,
    pub working: &'static str,
    pub email_language: &'static str,
    pub search_users: &'static str,
    // Profile
    pub nav_profile: &'static str,
    pub profile_title: &'static str,
    pub profile_language_help: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_changed: &'static str,
    // Users → Edit
    pub edit: &'static str,
    pub edit_user: fn(&str) -> String,
    pub disable_user: &'static str,
    pub enable_user: &'static str,
    pub remove_user: &'static str,
    pub remove_confirm: &'static str,
    pub remove_yes: &'static str,
    pub audit_title: &'static str,
    pub audit_intro: &'static str,
    pub audit_empty: &'static str,
    pub audit_when: &'static str,
    pub audit_actor: &'static str,
    pub audit_action: &'static str,
    pub audit_target: &'static str,
    pub audit_detail: &'static str,
    pub audit_source: &'static str,
    pub apply_filter: &'static str,
    pub load_more: &'static str,
    /// Each action's name, by an exhaustive `match` in the language's file.
    pub audit_actions: fn(AuditAction) -> &'static str,
    // Host settings → SMTP configuration
    pub smtp_title: &'static str,
    pub smtp_intro: &'static str,
    pub preset_label: &'static str,
    pub preset_none: &'static str,
    pub preset_guide: fn(&str) -> String,
    pub smtp_host: &'static str,
    pub smtp_host_help: &'static str,
    pub smtp_port: &'static str,
    pub smtp_port_help: &'static str,
    pub from_name: &'static str,
    pub from_name_help: &'static str,
    pub from_email: &'static str,
    pub from_email_help: &'static str,
    pub encryption: &'static str,
    pub enable_ssl: &'static str,
    pub enable_starttls: &'static str,
    pub enable_auth: &'static str,
    pub smtp_username: &'static str,
    pub smtp_username_help: &'static str,
    pub smtp_password_help: &'static str,
    pub password_kept: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub saved: &'static str,
    pub smtp_enabled: &'static str,
    pub smtp_save_first: &'static str,
    pub smtp_how_to_disable: &'static str,
    /// Over a relay provisioned by the server's settings (`GATEHOUSE_SMTP_*`): read-only.
    pub smtp_managed: &'static str,
    pub smtp_managed_detail: &'static str,
    pub last_changed_by: fn(&str, &str) -> String,
    pub last_changed: fn(&str) -> String,
    pub history_title: &'static str,
    pub history_empty: &'static str,
    pub col_when: &'static str,
    pub col_who: &'static str,
    pub col_what: &'static str,
    pub audit_created: &'static str,
    pub audit_saved: fn(&str) -> String,
    pub audit_saved_unchanged: &'static str,
    pub audit_enabled: &'static str,
    pub audit_disabled: &'static str,
    pub audit_provisioned: fn(&str) -> String,
    pub audit_test_running: &'static str,
    pub audit_test_sent: &'static str,
    pub audit_test_failed: fn(&str) -> String,
    /// The fallback relay was removed (after `history_fallback`'s prefix).
    pub audit_removed: &'static str,
    /// Before a History entry about the fallback relay.
    pub history_fallback: &'static str,
    // SMTP → the two relays (tabs) and the fallback relay's state
    pub relay_primary: &'static str,
    pub relay_fallback: &'static str,
    pub fallback_none: &'static str,
    pub fallback_in_use: &'static str,
    pub fallback_smtp_off: &'static str,
    pub fallback_explained: &'static str,
    pub fallback_remove: &'static str,
    pub fallback_remove_confirm: &'static str,
    pub send_test: &'static str,
    pub sending_test: &'static str,
    pub test_goes_to: fn(&str) -> String,
    pub test_sent: fn(&str, u64) -> String,
    pub test_failed_after: fn(u64) -> String,
    pub relay_replied: &'static str,
    pub stage_connect: &'static str,
    pub stage_tls: &'static str,
    pub stage_token: &'static str,
    // SMTP → sign-in method (OAuth2)
    pub auth_method: &'static str,
    pub method_password: &'static str,
    pub method_microsoft: &'static str,
    pub method_google: &'static str,
    pub oauth_mailbox: &'static str,
    pub oauth_mailbox_help: &'static str,
    pub tenant_id: &'static str,
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub client_secret_help: &'static str,
    pub secret_kept: &'static str,
    pub service_account_key: &'static str,
    pub service_account_key_help: &'static str,
    pub upload_key: &'static str,
    pub key_stored_for: fn(&str) -> String,
    pub guide_microsoft: &'static str,
    pub guide_google: &'static str,
    pub guide_link: &'static str,
    pub transport_label: &'static str,
    pub transport_smtp: &'static str,
    pub transport_graph: &'static str,
    pub transport_graph_note: &'static str,
    pub guide_graph: &'static str,
    pub stage_send: &'static str,
    pub hint_graph_token: &'static str,
    pub hint_graph_denied: &'static str,
    pub hint_graph_mailbox: &'static str,
    pub hint_graph_user: &'static str,
    pub hint_graph_throttled: &'static str,
    pub graph_replied: &'static str,
    pub tenant_problem: &'static str,
    pub client_id_problem: &'static str,
    pub client_secret_required: &'static str,
    pub key_problem: &'static str,
    pub hint_microsoft_token: &'static str,
    pub hint_google_token: &'static str,
    pub hint_microsoft_auth: &'static str,
    pub hint_google_auth: &'static str,
    pub stage_auth: &'static str,
    pub stage_sender: &'static str,
    pub stage_recipient: &'static str,
    pub stage_data: &'static str,
    pub stage_unknown: &'static str,
    pub hint_465_ssl: &'static str,
    pub hint_587_starttls: &'static str,
    pub hint_app_password: &'static str,
    // SMTP field problems (the ones not listed show the server's English)
    pub host_required: &'static str,
    pub host_too_long: &'static str,
    pub host_has_scheme: &'static str,
    pub host_has_port: &'static str,
    pub host_invalid: &'static str,
    pub port_invalid: &'static str,
    pub from_name_too_long: fn(usize) -> String,
    pub from_name_control: &'static str,
    pub username_required: &'static str,
    pub username_invalid: &'static str,
    pub smtp_password_required: &'static str,
    pub not_found: &'static str,
    pub back_home: &'static str,
    // Users → invitations and reset links
    pub col_last_email: &'static str,
    pub col_actions: &'static str,
    pub last_email_queued: &'static str,
    pub last_email_sending: &'static str,
    pub last_email_sent: &'static str,
    pub last_email_retrying: &'static str,
    pub last_email_failed: &'static str,
    pub last_email_cancelled: &'static str,
    // A pending user whose invitation email has not gone out (Users)
    pub unsent_queued: &'static str,
    pub unsent_held: &'static str,
    pub unsent_sending: &'static str,
    pub unsent_retrying: &'static str,
    pub unsent_failed: &'static str,
    pub unsent_copy: &'static str,
    pub invite_user: &'static str,
    pub user_type: &'static str,
    pub account: &'static str,
    pub choose_account: &'static str,
    pub no_accounts_yet: &'static str,
    pub create_account_first: &'static str,
    pub continue_: &'static str,
    pub inviting: &'static str,
    pub email_in_use: &'static str,
    pub generate_invite_link: &'static str,
    pub reset_password: &'static str,
    pub invite_sent: fn(&str) -> String,
    pub new_invite_sent: fn(&str) -> String,
    pub reset_sent: fn(&str) -> String,
    pub smtp_off_copy: &'static str,
    pub previous_link_dead: &'static str,
    pub invitation_link: &'static str,
    pub reset_link: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub press_ctrl_c: &'static str,
    pub link_expires: fn(&str) -> String,
    pub close: &'static str,
    // Host settings → Email activity
    pub emails_title: &'static str,
    pub emails_intro: &'static str,
    pub filter_all: &'static str,
    pub refresh: &'static str,
    pub col_recipient: &'static str,
    pub search_recipient: &'static str,
    pub col_kind: &'static str,
    pub col_state: &'static str,
    pub col_attempts: &'static str,
    pub col_last_error: &'static str,
    pub col_created: &'static str,
    pub col_sent: &'static str,
    pub kind_invitation: &'static str,
    pub kind_reset: &'static str,
    pub email_held: &'static str,
    pub next_attempt: fn(&str) -> String,
    /// Under a sent email's state: the fallback relay took it.
    pub email_via_fallback: &'static str,
    pub discard: &'static str,
    pub emails_empty: &'static str,
    pub emails_none_match: &'static str,
    pub emails_held_note: &'static str,
    // The delivery banner (every page, while delivery is degraded or failing)
    pub delivery_failing: &'static str,
    pub delivery_degraded: &'static str,
    pub delivery_failing_account: &'static str,
    pub delivery_degraded_account: &'static str,
    pub delivery_failing_copy: &'static str,
    pub delivery_waiting: fn(i64) -> String,
    // Signup from an invitation
    pub signup_title: &'static str,
    pub signup_intro: &'static str,
    pub create_my_account: &'static str,
    pub invite_link_dead: &'static str,
    pub wrong_invite_email: &'static str,
    /// Who invites (when known), as what (`invite_role`), into which account (none: the host).
    pub invited_as: fn(Option<&str>, &str, Option<&str>) -> String,
    /// A role after "as": "an account admin".
    pub invite_role: fn(Role) -> &'static str,
    pub invited_address: fn(&str) -> String,
    pub invite_used: &'static str,
    pub invite_replaced: &'static str,
    pub invite_revoked: &'static str,
    pub invite_expired: &'static str,
    pub invite_unknown: &'static str,
    /// Whom to ask for a new link (who made the dead one).
    pub ask_for_link: fn(&str) -> String,
    pub ask_admins: &'static str,
    // Forgotten password and reset
    pub forgot_link: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub send_reset_link: &'static str,
    pub sending: &'static str,
    pub forgot_done: fn(&str) -> String,
    pub forgot_no_email: &'static str,
    pub back_to_sign_in: &'static str,
    pub reset_title: &'static str,
    pub set_new_password: &'static str,
    pub reset_link_dead: &'static str,
    pub reset_for: fn(&str) -> String,
    pub ask_new_reset_link: &'static str,
    pub reset_done: &'static str,
    // Roles and states
    pub role_host_admin: &'static str,
    pub role_host_user: &'static str,
    pub role_account_admin: &'static str,
    pub role_account_user: &'static str,
    pub status_pending: &'static str,
    pub status_disabled: &'static str,
    pub status_active: &'static str,
    // Field problems
    pub email_required: &'static str,
    pub email_invalid: &'static str,
    pub password_too_short: fn(usize) -> String,
    pub password_too_long: fn(usize) -> String,
    pub password_too_common: &'static str,
    // Errors by code
    pub err_unauthorized: &'static str,
    pub err_wrong_credentials: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_gone: &'static str,
    pub err_validation: &'static str,
    pub err_rate_limited: &'static str,
    pub err_disabled: &'static str,
    pub err_unavailable: &'static str,
    pub err_storage_unavailable: &'static str,
    pub err_storage_full: &'static str,
    pub err_managed: &'static str,
    pub err_internal: &'static str,
    pub err_bad_request: &'static str,
}

impl Texts {
    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::HostAdmin => self.role_host_admin,
            Role::HostUser => self.role_host_user,
            Role::AccountAdmin => self.role_account_admin,
            Role::AccountUser => self.role_account_user,
        }
    }

    pub fn status(&self, status: UserStatus) -> &'static str {
        match status {
            UserStatus::Pending => self.status_pending,
            UserStatus::Active => self.status_active,
            UserStatus::Disabled => self.status_disabled,
        }
    }

    /// An email's state, or a dash when there is none.
    pub fn last_email(&self, state: Option<EmailStatus>) -> &'static str {
        match state {
            None => "—",
            Some(EmailStatus::Queued) => self.last_email_queued,
            Some(EmailStatus::Sending) => self.last_email_sending,
            Some(EmailStatus::Sent) => self.last_email_sent,
            Some(EmailStatus::Retrying) => self.last_email_retrying,
            Some(EmailStatus::Failed) => self.last_email_failed,
            Some(EmailStatus::Cancelled) => self.last_email_cancelled,
        }
    }

    /// Why a pending user's invitation email has not gone out (`held`: waiting while SMTP is off).
    pub fn unsent_invitation(&self, state: EmailStatus, held: bool) -> &'static str {
        match state {
            _ if held => self.unsent_held,
            EmailStatus::Sending => self.unsent_sending,
            EmailStatus::Retrying => self.unsent_retrying,
            EmailStatus::Failed => self.unsent_failed,
            // Sent and cancelled are never reported unsent; queued is what is left.
            EmailStatus::Queued | EmailStatus::Sent | EmailStatus::Cancelled => self.unsent_queued,
        }
    }

    /// What an email is for.
    pub fn email_kind(&self, kind: EmailKind) -> &'static str {
        match kind {
            EmailKind::Invitation => self.kind_invitation,
            EmailKind::Reset => self.kind_reset,
        }
    }

    pub fn email_error(&self, e: EmailError) -> String {
        match e {
            EmailError::Empty => self.email_required.to_owned(),
            _ => self.email_invalid.to_owned(),
        }
    }

    pub fn password_error(&self, e: PasswordError) -> String {
        match e {
            PasswordError::TooShort => (self.password_too_short)(MIN_CHARS),
            PasswordError::TooLong => (self.password_too_long)(MAX_CHARS),
            PasswordError::TooCommon => self.password_too_common.to_owned(),
        }
    }

    pub fn host_error(&self, e: HostError) -> String {
        match e {
            HostError::Empty => self.host_required,
            HostError::TooLong => self.host_too_long,
            HostError::HasScheme => self.host_has_scheme,
            HostError::HasPort => self.host_has_port,
            HostError::Invalid => self.host_invalid,
        }
        .to_owned()
    }

    pub fn from_name_error(&self, e: FromNameError) -> String {
        match e {
            FromNameError::TooLong => (self.from_name_too_long)(MAX_FROM_NAME_CHARS),
            FromNameError::ControlCharacter => self.from_name_control.to_owned(),
        }
    }

    /// The sentence that names the step a test send failed at.
    pub fn test_stage(&self, stage: TestStage) -> &'static str {
        match stage {
            TestStage::Connect => self.stage_connect,
            TestStage::Tls => self.stage_tls,
            TestStage::Token => self.stage_token,
            TestStage::Auth => self.stage_auth,
            TestStage::Sender => self.stage_sender,
            TestStage::Recipient => self.stage_recipient,
            TestStage::Data => self.stage_data,
            TestStage::Send => self.stage_send,
            // A failure "at" Sent would be a server bug; say something true anyway.
            TestStage::Sent => self.stage_unknown,
        }
    }

    pub fn audit_action_name(&self, action: AuditAction) -> &'static str {
        (self.audit_actions)(action)
    }

    /// What to tell a person about a failed request. The server's own message
    /// is English; the code picks the translated sentence.
    pub fn error(&self, e: &ApiError) -> &'static str {
        match e.code {
            ErrorCode::Unauthorized => self.err_unauthorized,
            ErrorCode::Forbidden => self.err_forbidden,
            ErrorCode::NotFound => self.err_not_found,
            ErrorCode::Conflict => self.err_conflict,
            ErrorCode::Gone => self.err_gone,
            ErrorCode::Validation => self.err_validation,
            ErrorCode::RateLimited => self.err_rate_limited,
            ErrorCode::Unavailable => self.err_unavailable,
            ErrorCode::StorageUnavailable => self.err_storage_unavailable,
            ErrorCode::StorageFull => self.err_storage_full,
            ErrorCode::Managed => self.err_managed,
            ErrorCode::Internal => self.err_internal,
            ErrorCode::BadRequest
            | ErrorCode::MethodNotAllowed
            | ErrorCode::PayloadTooLarge
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::MisdirectedRequest => self.err_bad_request,
            ErrorCode::Disabled => self.err_disabled,
        }
    }
}
