//! Every word the dashboard shows, in English and Italian.
//!
//! One struct of texts per language: a text missing from a language is a
//! compile error, not a blank on screen. The language comes from the user's
//! choice (kept in localStorage), else the browser's languages.

use leptos::prelude::*;
use shared::api::{ApiError, ErrorCode, UserStatus};
use shared::email::EmailError;
use shared::password::{PasswordError, MAX_CHARS, MIN_CHARS};
use shared::smtp::{FromNameError, HostError, TestStage, MAX_FROM_NAME_CHARS};
use shared::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    It,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::It];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::It => &IT,
        }
    }
}

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
    pub cancel: &'static str,
    pub account_name_required: &'static str,
    pub host_settings_title: &'static str,
    pub host_settings_intro: &'static str,
    pub public_url: &'static str,
    pub version: &'static str,
    pub database: &'static str,
    // Host settings → sub-pages
    pub nav_settings_overview: &'static str,
    pub nav_smtp: &'static str,
    pub nav_emails: &'static str,
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
    pub audit_test_running: &'static str,
    pub audit_test_sent: &'static str,
    pub audit_test_failed: fn(&str) -> String,
    pub send_test: &'static str,
    pub sending_test: &'static str,
    pub test_goes_to: fn(&str) -> String,
    pub test_sent: fn(&str, u64) -> String,
    pub test_failed_after: fn(u64) -> String,
    pub relay_replied: &'static str,
    pub stage_connect: &'static str,
    pub stage_tls: &'static str,
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
    pub home: &'static str,
    pub welcome_title: &'static str,
    pub welcome_body: &'static str,
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
    pub discard: &'static str,
    pub emails_empty: &'static str,
    pub emails_none_in_state: &'static str,
    pub emails_held_note: &'static str,
    // Signup from an invitation
    pub signup_title: &'static str,
    pub signup_intro: &'static str,
    pub create_my_account: &'static str,
    pub invite_link_dead: &'static str,
    pub wrong_invite_email: &'static str,
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
    pub ask_new_reset_link: &'static str,
    pub reset_done: &'static str,
    // Roles and states
    pub role_host_admin: &'static str,
    pub role_host_user: &'static str,
    pub role_account_admin: &'static str,
    pub role_account_user: &'static str,
    pub status_pending: &'static str,
    pub status_active: &'static str,
    // Field problems
    pub email_required: &'static str,
    pub email_invalid: &'static str,
    pub password_too_short: fn(usize) -> String,
    pub password_too_long: fn(usize) -> String,
    // Errors by code
    pub err_unauthorized: &'static str,
    pub err_wrong_credentials: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_gone: &'static str,
    pub err_validation: &'static str,
    pub err_rate_limited: &'static str,
    pub err_unavailable: &'static str,
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
        }
    }

    /// The state of the last email sent to a user. States this build does not
    /// know show as the server sent them rather than vanish.
    pub fn last_email(&self, state: Option<&str>) -> String {
        match state {
            None => "—",
            Some("queued") => self.last_email_queued,
            Some("sending") => self.last_email_sending,
            Some("sent") => self.last_email_sent,
            Some("retrying") => self.last_email_retrying,
            Some("failed") => self.last_email_failed,
            Some("cancelled") => self.last_email_cancelled,
            Some(other) => return other.to_owned(),
        }
        .to_owned()
    }

    /// What an email is for. Kinds this build does not know show as the server sent them.
    pub fn email_kind(&self, kind: &str) -> String {
        match kind {
            "invitation" => self.kind_invitation,
            "reset" => self.kind_reset,
            other => return other.to_owned(),
        }
        .to_owned()
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
            TestStage::Auth => self.stage_auth,
            TestStage::Sender => self.stage_sender,
            TestStage::Recipient => self.stage_recipient,
            TestStage::Data => self.stage_data,
            // A failure "at" Sent would be a server bug; say something true anyway.
            TestStage::Sent => self.stage_unknown,
        }
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
            ErrorCode::Internal => self.err_internal,
            ErrorCode::BadRequest | ErrorCode::MethodNotAllowed | ErrorCode::PayloadTooLarge | ErrorCode::UnsupportedMediaType => self.err_bad_request,
        }
    }
}

pub static EN: Texts = Texts {
    language_name: "English",
    product: "Gatehouse",
    tagline: "Host console",
    loading: "Loading…",
    retry: "Try again",
    retry_email: "Retry",
    language: "Language",
    sign_in_title: "Sign in to Gatehouse",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    signing_in: "Signing in…",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    setup_title: "Set up Gatehouse",
    setup_intro: "Create the first host admin of this instance. Every host needs at least one admin.",
    confirm_password: "Confirm password",
    passwords_differ: "The passwords do not match",
    create_admin: "Create host admin",
    creating: "Creating…",
    setup_link_dead: "This setup link has already been used or has expired. Restart the server for a new one, or sign in.",
    go_to_sign_in: "Go to sign in",
    nav_users: "Users",
    nav_accounts: "Accounts",
    nav_host_settings: "Host settings",
    users_title: "Users",
    users_empty: "No users yet.",
    col_email: "Email",
    col_role: "Role",
    col_account: "Account",
    col_status: "Status",
    accounts_title: "Accounts",
    accounts_empty: "No accounts yet.",
    col_name: "Name",
    new_account: "New account",
    account_name: "Account name",
    create_account: "Create account",
    rename: "Rename",
    save_name: "Save name",
    cancel: "Cancel",
    account_name_required: "Enter a name of at most 100 characters, on one line",
    host_settings_title: "Host settings",
    host_settings_intro: "Settings of this gateway instance. Only host admins can see and change them.",
    public_url: "Public URL",
    version: "Version",
    database: "Database",
    nav_settings_overview: "Overview",
    nav_smtp: "SMTP configuration",
    nav_emails: "Email activity",
    smtp_title: "SMTP configuration",
    smtp_intro: "The relay this instance sends its emails through.",
    preset_label: "Provider preset",
    preset_none: "Choose a provider…",
    preset_guide: |name| format!("SMTP guide for {name}"),
    smtp_host: "Host",
    smtp_host_help: "The server used for SMTP relay",
    smtp_port: "Port",
    smtp_port_help: "The port for TLS or SSL encryption",
    from_name: "From display name",
    from_name_help: "The name shown before the address that sends messages",
    from_email: "From email",
    from_email_help: "The address emails are sent from",
    encryption: "Encryption",
    enable_ssl: "Enable SSL",
    enable_starttls: "Enable StartTLS",
    enable_auth: "Enable authentication",
    smtp_username: "Username",
    smtp_username_help: "The address provisioned for SMTP relay",
    smtp_password_help: "That account's password; with two-factor authentication you may need an app-specific password",
    password_kept: "A password is saved. Leave blank to keep it.",
    save: "Save",
    saving: "Saving…",
    saved: "Saved",
    smtp_enabled: "SMTP enabled",
    smtp_save_first: "You must click Save before enabling the configuration.",
    smtp_how_to_disable: "To disable SMTP, switch it off.",
    last_changed_by: |who, when| format!("Last changed by {who} at {when}"),
    last_changed: |when| format!("Last changed at {when}"),
    history_title: "History",
    history_empty: "Nothing has been saved or tested yet.",
    col_when: "When",
    col_who: "Who",
    col_what: "What",
    audit_created: "Created the configuration",
    audit_saved: |fields| format!("Saved; changed: {fields}"),
    audit_saved_unchanged: "Saved, nothing changed",
    audit_enabled: "Switched SMTP on",
    audit_disabled: "Switched SMTP off",
    audit_test_running: "Test email: running",
    audit_test_sent: "Test email: sent",
    audit_test_failed: |stage| format!("Test email failed: {stage}"),
    send_test: "Send test email",
    sending_test: "Sending test email…",
    test_goes_to: |email| format!("Test emails go to the address you signed in with: {email}"),
    test_sent: |to, ms| format!("Test email sent to {to} in {ms} ms"),
    test_failed_after: |ms| format!("Failed after {ms} ms"),
    relay_replied: "The relay replied:",
    stage_connect: "Could not connect to the relay",
    stage_tls: "TLS failed",
    stage_auth: "The relay refused the username or password",
    stage_sender: "The relay refused the From address",
    stage_recipient: "The relay refused the recipient",
    stage_data: "The relay refused the message",
    stage_unknown: "The test email was not sent",
    hint_465_ssl: "Port 465 usually needs SSL",
    hint_587_starttls: "Port 587 usually needs StartTLS",
    hint_app_password: "With two-factor authentication you may need an app-specific password",
    host_required: "Enter the relay's host name",
    host_too_long: "A host name has at most 253 characters",
    host_has_scheme: "Enter the host name only, without smtp:// or https://",
    host_has_port: "Enter the port in the Port field, not after the host",
    host_invalid: "This is not a valid host name or IP address",
    port_invalid: "Use a port from 1 to 65535",
    from_name_too_long: |n| format!("Use at most {n} characters"),
    from_name_control: "Line breaks and control characters are not allowed",
    username_required: "Enter the username the relay expects",
    username_invalid: "Use at most 256 characters, on one line",
    home: "Home",
    welcome_title: "Welcome",
    welcome_body: "You are signed in. User management and host settings are for host admins; more for your role arrives here as Gatehouse grows.",
    smtp_password_required: "Enter the password for this username",
    not_found: "There is no page here.",
    back_home: "Back to the dashboard",
    col_last_email: "Last email",
    col_actions: "Actions",
    last_email_queued: "Queued",
    last_email_sending: "Sending",
    last_email_sent: "Sent",
    last_email_retrying: "Retrying",
    last_email_failed: "Failed",
    last_email_cancelled: "Cancelled",
    invite_user: "Invite a new user",
    user_type: "User type",
    account: "Account",
    choose_account: "Choose an account…",
    no_accounts_yet: "Account users belong to an account, and there are none yet.",
    create_account_first: "Create an account first",
    continue_: "Continue",
    inviting: "Inviting…",
    email_in_use: "This email address is already in use",
    generate_invite_link: "Generate invite link",
    reset_password: "Reset password",
    invite_sent: |email| format!("Invitation email sent to {email}."),
    new_invite_sent: |email| format!("A new invitation email was sent to {email}. The previous link no longer works."),
    reset_sent: |email| format!("A password reset email was sent to {email}."),
    smtp_off_copy: "SMTP is off — copy this link and send it yourself.",
    previous_link_dead: "The previous link no longer works.",
    invitation_link: "Invitation link",
    reset_link: "Reset link",
    copy: "Copy",
    copied: "Copied",
    press_ctrl_c: "Press Ctrl+C to copy",
    link_expires: |when| format!("The link expires on {when}."),
    close: "Close",
    emails_title: "Email activity",
    emails_intro: "Every invitation and password reset email, and where it is in delivery.",
    filter_all: "All",
    refresh: "Refresh",
    col_recipient: "Recipient",
    col_kind: "Kind",
    col_state: "State",
    col_attempts: "Attempts",
    col_last_error: "Last error",
    col_created: "Created",
    col_sent: "Sent",
    kind_invitation: "Invitation",
    kind_reset: "Password reset",
    email_held: "Held — SMTP is off",
    next_attempt: |when| format!("next attempt {when}"),
    discard: "Discard",
    emails_empty: "No emails yet. Invitation and reset emails appear here once SMTP is on.",
    emails_none_in_state: "No emails in this state.",
    emails_held_note: "SMTP is off: held emails go out as soon as it is switched on again, or you can discard them.",
    signup_title: "Create your Gatehouse account",
    signup_intro: "Enter the email address this invitation was sent to and choose a password.",
    create_my_account: "Create account",
    invite_link_dead: "This invitation link has been used, replaced by a newer one, or has expired. Ask a host admin for a new link.",
    wrong_invite_email: "This is not the address the invitation was sent to.",
    forgot_link: "Forgot your password?",
    forgot_title: "Reset your password",
    forgot_intro: "Enter the email address you sign in with.",
    send_reset_link: "Send reset link",
    sending: "Sending…",
    forgot_done: |email| format!("If an account exists for {email}, we have sent it a link to reset the password. It expires in one hour."),
    forgot_no_email: "No email? If this instance does not send emails, ask a host admin for a reset link.",
    back_to_sign_in: "Back to sign in",
    reset_title: "Choose a new password",
    set_new_password: "Set new password",
    reset_link_dead: "This reset link has been used or has expired. Ask for a new one.",
    ask_new_reset_link: "Ask for a new reset link",
    reset_done: "Your password has been changed, and you have been signed out everywhere else. Sign in with the new password.",
    role_host_admin: "Host admin",
    role_host_user: "Host user",
    role_account_admin: "Account admin",
    role_account_user: "Account user",
    status_pending: "Pending",
    status_active: "Active",
    email_required: "Enter an email address",
    email_invalid: "This is not a valid email address",
    password_too_short: |n| format!("Use at least {n} characters"),
    password_too_long: |n| format!("Use at most {n} characters"),
    err_unauthorized: "Please sign in.",
    err_wrong_credentials: "Wrong email or password.",
    err_forbidden: "Your role does not allow this.",
    err_not_found: "Not found.",
    err_conflict: "This conflicts with something that already exists.",
    err_gone: "This link has been used or has expired.",
    err_validation: "Some fields need fixing.",
    err_rate_limited: "Too many attempts. Wait a few minutes and try again.",
    err_unavailable: "The server cannot be reached. Check your connection and try again.",
    err_internal: "Something went wrong on the server. It has been logged.",
    err_bad_request: "The request was not understood.",
};

pub static IT: Texts = Texts {
    language_name: "Italiano",
    product: "Gatehouse",
    tagline: "Console dell'host",
    loading: "Caricamento…",
    retry: "Riprova",
    retry_email: "Invia di nuovo",
    language: "Lingua",
    sign_in_title: "Accedi a Gatehouse",
    email: "Email",
    password: "Password",
    sign_in: "Accedi",
    signing_in: "Accesso in corso…",
    sign_out: "Esci",
    signed_in_as: "Accesso come",
    setup_title: "Configura Gatehouse",
    setup_intro: "Crea il primo amministratore host di questa istanza. Ogni host deve avere almeno un amministratore.",
    confirm_password: "Conferma password",
    passwords_differ: "Le password non coincidono",
    create_admin: "Crea amministratore host",
    creating: "Creazione in corso…",
    setup_link_dead: "Questo link di configurazione è già stato usato o è scaduto. Riavvia il server per averne uno nuovo, oppure accedi.",
    go_to_sign_in: "Vai all'accesso",
    nav_users: "Utenti",
    nav_accounts: "Account",
    nav_host_settings: "Impostazioni host",
    users_title: "Utenti",
    users_empty: "Ancora nessun utente.",
    col_email: "Email",
    col_role: "Ruolo",
    col_account: "Account",
    col_status: "Stato",
    accounts_title: "Account",
    accounts_empty: "Ancora nessun account.",
    col_name: "Nome",
    new_account: "Nuovo account",
    account_name: "Nome dell'account",
    create_account: "Crea account",
    rename: "Rinomina",
    save_name: "Salva nome",
    cancel: "Annulla",
    account_name_required: "Inserisci un nome di al massimo 100 caratteri, su una riga",
    host_settings_title: "Impostazioni host",
    host_settings_intro: "Impostazioni di questa istanza del gateway. Solo gli amministratori host possono vederle e modificarle.",
    public_url: "URL pubblico",
    version: "Versione",
    database: "Database",
    nav_settings_overview: "Panoramica",
    nav_smtp: "Configurazione SMTP",
    nav_emails: "Attività email",
    smtp_title: "Configurazione SMTP",
    smtp_intro: "Il relay attraverso cui questa istanza invia le sue email.",
    preset_label: "Provider preconfigurato",
    preset_none: "Scegli un provider…",
    preset_guide: |name| format!("Guida SMTP per {name}"),
    smtp_host: "Host",
    smtp_host_help: "Il server usato come relay SMTP",
    smtp_port: "Porta",
    smtp_port_help: "La porta per la cifratura TLS o SSL",
    from_name: "Nome visualizzato del mittente",
    from_name_help: "Il nome mostrato prima dell'indirizzo che invia i messaggi",
    from_email: "Email del mittente",
    from_email_help: "L'indirizzo da cui vengono inviate le email",
    encryption: "Cifratura",
    enable_ssl: "Abilita SSL",
    enable_starttls: "Abilita StartTLS",
    enable_auth: "Abilita autenticazione",
    smtp_username: "Nome utente",
    smtp_username_help: "L'indirizzo predisposto per il relay SMTP",
    smtp_password_help: "La password di quell'account; con l'autenticazione a due fattori potrebbe servire una password specifica per l'app",
    password_kept: "Una password è già salvata. Lascia vuoto per mantenerla.",
    save: "Salva",
    saving: "Salvataggio…",
    saved: "Salvato",
    smtp_enabled: "SMTP abilitato",
    smtp_save_first: "Devi fare clic su Salva prima di abilitare la configurazione.",
    smtp_how_to_disable: "Per disabilitare l'SMTP, spegni l'interruttore.",
    last_changed_by: |who, when| format!("Ultima modifica di {who} il {when}"),
    last_changed: |when| format!("Ultima modifica il {when}"),
    history_title: "Cronologia",
    history_empty: "Non è ancora stato salvato né provato nulla.",
    col_when: "Quando",
    col_who: "Chi",
    col_what: "Cosa",
    audit_created: "Ha creato la configurazione",
    audit_saved: |fields| format!("Ha salvato; modificati: {fields}"),
    audit_saved_unchanged: "Ha salvato, senza modifiche",
    audit_enabled: "Ha attivato l'SMTP",
    audit_disabled: "Ha disattivato l'SMTP",
    audit_test_running: "Email di prova: in corso",
    audit_test_sent: "Email di prova: inviata",
    audit_test_failed: |stage| format!("Email di prova non riuscita: {stage}"),
    send_test: "Invia email di prova",
    sending_test: "Invio dell'email di prova…",
    test_goes_to: |email| format!("Le email di prova vanno all'indirizzo con cui hai effettuato l'accesso: {email}"),
    test_sent: |to, ms| format!("Email di prova inviata a {to} in {ms} ms"),
    test_failed_after: |ms| format!("Non riuscito dopo {ms} ms"),
    relay_replied: "Risposta del relay:",
    stage_connect: "Impossibile connettersi al relay",
    stage_tls: "TLS non riuscito",
    stage_auth: "Il relay ha rifiutato nome utente o password",
    stage_sender: "Il relay ha rifiutato l'indirizzo del mittente",
    stage_recipient: "Il relay ha rifiutato il destinatario",
    stage_data: "Il relay ha rifiutato il messaggio",
    stage_unknown: "L'email di prova non è stata inviata",
    hint_465_ssl: "La porta 465 di solito richiede SSL",
    hint_587_starttls: "La porta 587 di solito richiede StartTLS",
    hint_app_password: "Con l'autenticazione a due fattori potrebbe servire una password specifica per l'app",
    host_required: "Inserisci il nome host del relay",
    host_too_long: "Un nome host ha al massimo 253 caratteri",
    host_has_scheme: "Inserisci solo il nome host, senza smtp:// o https://",
    host_has_port: "Inserisci la porta nel campo Porta, non dopo l'host",
    host_invalid: "Questo non è un nome host o un indirizzo IP valido",
    port_invalid: "Usa una porta da 1 a 65535",
    from_name_too_long: |n| format!("Usa al massimo {n} caratteri"),
    from_name_control: "A capo e caratteri di controllo non sono ammessi",
    username_required: "Inserisci il nome utente richiesto dal relay",
    username_invalid: "Usa al massimo 256 caratteri, su una riga",
    home: "Home",
    welcome_title: "Benvenuto",
    welcome_body: "Hai effettuato l'accesso. La gestione degli utenti e le impostazioni host sono per gli amministratori host; altre funzioni per il tuo ruolo arriveranno qui man mano che Gatehouse cresce.",
    smtp_password_required: "Inserisci la password per questo nome utente",
    not_found: "Questa pagina non esiste.",
    back_home: "Torna alla dashboard",
    col_last_email: "Ultima email",
    col_actions: "Azioni",
    last_email_queued: "In coda",
    last_email_sending: "In invio",
    last_email_sent: "Inviata",
    last_email_retrying: "Nuovo tentativo",
    last_email_failed: "Non riuscita",
    last_email_cancelled: "Annullata",
    invite_user: "Invita un nuovo utente",
    user_type: "Tipo di utente",
    account: "Account",
    choose_account: "Scegli un account…",
    no_accounts_yet: "Gli utenti account appartengono a un account, e non ce n'è ancora nessuno.",
    create_account_first: "Crea prima un account",
    continue_: "Continua",
    inviting: "Invito in corso…",
    email_in_use: "Questo indirizzo email è già in uso",
    generate_invite_link: "Genera link di invito",
    reset_password: "Reimposta password",
    invite_sent: |email| format!("Email di invito inviata a {email}."),
    new_invite_sent: |email| format!("Una nuova email di invito è stata inviata a {email}. Il link precedente non funziona più."),
    reset_sent: |email| format!("Un'email per reimpostare la password è stata inviata a {email}."),
    smtp_off_copy: "L'SMTP è disattivato: copia questo link e invialo tu.",
    previous_link_dead: "Il link precedente non funziona più.",
    invitation_link: "Link di invito",
    reset_link: "Link di reimpostazione",
    copy: "Copia",
    copied: "Copiato",
    press_ctrl_c: "Premi Ctrl+C per copiare",
    link_expires: |when| format!("Il link scade il {when}."),
    close: "Chiudi",
    emails_title: "Attività email",
    emails_intro: "Ogni email di invito e di reimpostazione della password, e a che punto è la sua consegna.",
    filter_all: "Tutte",
    refresh: "Aggiorna",
    col_recipient: "Destinatario",
    col_kind: "Tipo",
    col_state: "Stato",
    col_attempts: "Tentativi",
    col_last_error: "Ultimo errore",
    col_created: "Creata",
    col_sent: "Inviata",
    kind_invitation: "Invito",
    kind_reset: "Reimpostazione password",
    email_held: "In attesa — l'SMTP è disattivato",
    next_attempt: |when| format!("prossimo tentativo il {when}"),
    discard: "Scarta",
    emails_empty: "Ancora nessuna email. Le email di invito e di reimpostazione compaiono qui quando l'SMTP è attivo.",
    emails_none_in_state: "Nessuna email in questo stato.",
    emails_held_note: "L'SMTP è disattivato: le email in attesa partono appena viene riattivato, oppure puoi scartarle.",
    signup_title: "Crea il tuo account Gatehouse",
    signup_intro: "Inserisci l'indirizzo email a cui è stato inviato questo invito e scegli una password.",
    create_my_account: "Crea account",
    invite_link_dead: "Questo link di invito è già stato usato, è stato sostituito da uno più recente o è scaduto. Chiedi un nuovo link a un amministratore host.",
    wrong_invite_email: "Questo non è l'indirizzo a cui è stato inviato l'invito.",
    forgot_link: "Hai dimenticato la password?",
    forgot_title: "Reimposta la password",
    forgot_intro: "Inserisci l'indirizzo email con cui accedi.",
    send_reset_link: "Invia link di reimpostazione",
    sending: "Invio in corso…",
    forgot_done: |email| format!("Se esiste un account per {email}, gli abbiamo inviato un link per reimpostare la password. Scade tra un'ora."),
    forgot_no_email: "Nessuna email? Se questa istanza non invia email, chiedi un link di reimpostazione a un amministratore host.",
    back_to_sign_in: "Torna all'accesso",
    reset_title: "Scegli una nuova password",
    set_new_password: "Imposta la nuova password",
    reset_link_dead: "Questo link di reimpostazione è già stato usato o è scaduto. Richiedine uno nuovo.",
    ask_new_reset_link: "Richiedi un nuovo link di reimpostazione",
    reset_done: "La password è stata cambiata e sei stato disconnesso da tutte le altre sessioni. Accedi con la nuova password.",
    role_host_admin: "Amministratore host",
    role_host_user: "Utente host",
    role_account_admin: "Amministratore account",
    role_account_user: "Utente account",
    status_pending: "In attesa",
    status_active: "Attivo",
    email_required: "Inserisci un indirizzo email",
    email_invalid: "Questo indirizzo email non è valido",
    password_too_short: |n| format!("Usa almeno {n} caratteri"),
    password_too_long: |n| format!("Usa al massimo {n} caratteri"),
    err_unauthorized: "Accedi per continuare.",
    err_wrong_credentials: "Email o password errate.",
    err_forbidden: "Il tuo ruolo non lo consente.",
    err_not_found: "Non trovato.",
    err_conflict: "È in conflitto con qualcosa che esiste già.",
    err_gone: "Questo link è già stato usato o è scaduto.",
    err_validation: "Alcuni campi vanno corretti.",
    err_rate_limited: "Troppi tentativi. Attendi qualche minuto e riprova.",
    err_unavailable: "Il server non è raggiungibile. Controlla la connessione e riprova.",
    err_internal: "Si è verificato un errore sul server. È stato registrato.",
    err_bad_request: "La richiesta non è stata compresa.",
};

#[cfg_attr(not(feature = "csr"), allow(dead_code))]
const STORAGE_KEY: &str = "gatehouse.lang";

/// The language in force, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    pub fn detect() -> Self {
        Self { lang: RwSignal::new(initial_lang()) }
    }

    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }

    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
        remember(lang);
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(feature = "csr")]
fn initial_lang() -> Lang {
    let window = web_sys::window();
    let stored = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code));
    stored
        .or_else(|| {
            let nav = window?.navigator();
            nav.languages().iter().filter_map(|v| v.as_string()).chain(nav.language()).find_map(|code| Lang::from_code(&code))
        })
        .unwrap_or(Lang::En)
}

#[cfg(not(feature = "csr"))]
fn initial_lang() -> Lang {
    Lang::En
}

#[cfg(feature = "csr")]
fn remember(lang: Lang) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    if let Some(doc) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = doc.set_attribute("lang", lang.code());
    }
}

#[cfg(not(feature = "csr"))]
fn remember(_lang: Lang) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_codes_pick_a_language() {
        assert_eq!(Lang::from_code("it-IT"), Some(Lang::It));
        assert_eq!(Lang::from_code("en_GB"), Some(Lang::En));
        assert_eq!(Lang::from_code("de"), None);
    }

    #[test]
    fn every_role_and_code_has_words_in_both_languages() {
        for t in [&EN, &IT] {
            for role in Role::ALL {
                assert!(!t.role(role).is_empty());
            }
        }
        assert_ne!(EN.sign_in, IT.sign_in);
    }

    #[test]
    fn email_states_read_as_words() {
        assert_eq!(EN.last_email(Some("retrying")), "Retrying");
        assert_eq!(IT.last_email(Some("sent")), "Inviata");
        assert_eq!(EN.last_email(None), "—");
        // A state added on the server later still shows, untranslated.
        assert_eq!(EN.last_email(Some("bounced")), "bounced");
        assert_eq!(IT.last_email(Some("cancelled")), "Annullata");
        assert_eq!(EN.email_kind("reset"), "Password reset");
        assert_eq!(IT.email_kind("invitation"), "Invito");
    }

    #[test]
    fn every_test_stage_has_a_sentence() {
        use shared::smtp::TestStage::*;
        for t in [&EN, &IT] {
            for stage in [Connect, Tls, Auth, Sender, Recipient, Data, Sent] {
                assert!(!t.test_stage(stage).is_empty());
            }
        }
    }
}
