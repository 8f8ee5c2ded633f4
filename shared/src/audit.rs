//! The audit log: who did what, when, to whom. Never the value of a secret.

use serde::{Deserialize, Serialize};

/// What happened. On the wire and in the database: the snake_case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SetupCompleted,
    UserInvited,
    InvitationRegenerated,
    InvitationAccepted,
    PasswordResetIssued,
    PasswordReset,
    AccountCreated,
    AccountRenamed,
    TokenCreated,
    TokenRevoked,
    SmtpSaved,
    SmtpEnabled,
    SmtpDisabled,
    SmtpTest,
    EmailRetried,
    EmailDiscarded,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    PasswordChanged,
    /// A signed-in caller was refused (403) an action their role does not allow.
    AccessDenied,
    /// An anonymous "forgot password" email was held back (too many from one
    /// address, for one user, or for the instance this hour).
    PasswordResetHeld,
    /// A user made at the command line, or the first host admin from the server's settings.
    UserCreated,
    /// A start made the SMTP configuration the one its settings provision.
    SmtpProvisioned,
    /// The OAuth2 relay's token could not be had (delivery health's check);
    /// recorded once when checks start failing, not at every check.
    SmtpTokenFailing,
    /// The token could be had again after failing checks.
    SmtpTokenRestored,
    /// A backup file was made (by a host admin, `gatehouse backup`, or on schedule).
    BackupCreated,
    /// The backup key was shown (to a host admin, or by `gatehouse backup-key show`).
    BackupKeyShown,
    /// A new backup key replaced the old one.
    BackupKeyReset,
    /// A backup was restored into this instance (`gatehouse restore`).
    BackupRestored,
    /// A host admin renamed the host (Host settings).
    HostRenamed,
    /// An account was deleted, and its users with it.
    AccountDeleted,
    /// An account's own sender was set, changed or removed.
    AccountSenderChanged,
    /// A host admin changed the rules for account senders (Host settings).
    SenderPolicyChanged,
    /// The fallback relay was saved (its fields changed in the detail).
    SmtpFallbackSaved,
    /// The fallback relay was removed.
    SmtpFallbackRemoved,
}

impl AuditAction {
    pub const ALL: [AuditAction; 39] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SetupCompleted,
        AuditAction::UserInvited,
        AuditAction::InvitationRegenerated,
        AuditAction::InvitationAccepted,
        AuditAction::PasswordResetIssued,
        AuditAction::PasswordReset,
        AuditAction::AccountCreated,
        AuditAction::AccountRenamed,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::SmtpSaved,
        AuditAction::SmtpEnabled,
        AuditAction::SmtpDisabled,
        AuditAction::SmtpTest,
        AuditAction::EmailRetried,
        AuditAction::EmailDiscarded,
        AuditAction::UserUpdated,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::UserDeleted,
        AuditAction::PasswordChanged,
        AuditAction::AccessDenied,
        AuditAction::PasswordResetHeld,
        AuditAction::UserCreated,
        AuditAction::SmtpProvisioned,
        AuditAction::SmtpTokenFailing,
        AuditAction::SmtpTokenRestored,
        AuditAction::BackupCreated,
        AuditAction::BackupKeyShown,
        AuditAction::BackupKeyReset,
        AuditAction::BackupRestored,
        AuditAction::HostRenamed,
        AuditAction::AccountDeleted,
        AuditAction::AccountSenderChanged,
        AuditAction::SenderPolicyChanged,
        AuditAction::SmtpFallbackSaved,
        AuditAction::SmtpFallbackRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SetupCompleted => "setup_completed",
            AuditAction::UserInvited => "user_invited",
            AuditAction::InvitationRegenerated => "invitation_regenerated",
            AuditAction::InvitationAccepted => "invitation_accepted",
            AuditAction::PasswordResetIssued => "password_reset_issued",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::AccountCreated => "account_created",
            AuditAction::AccountRenamed => "account_renamed",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::SmtpSaved => "smtp_saved",
            AuditAction::SmtpEnabled => "smtp_enabled",
            AuditAction::SmtpDisabled => "smtp_disabled",
            AuditAction::SmtpTest => "smtp_test",
            AuditAction::EmailRetried => "email_retried",
            AuditAction::EmailDiscarded => "email_discarded",
            AuditAction::UserUpdated => "user_updated",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::UserEnabled => "user_enabled",
            AuditAction::UserDeleted => "user_deleted",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::AccessDenied => "access_denied",
            AuditAction::PasswordResetHeld => "password_reset_held",
            AuditAction::UserCreated => "user_created",
            AuditAction::SmtpProvisioned => "smtp_provisioned",
            AuditAction::SmtpTokenFailing => "smtp_token_failing",
            AuditAction::SmtpTokenRestored => "smtp_token_restored",
            AuditAction::BackupCreated => "backup_created",
            AuditAction::BackupKeyShown => "backup_key_shown",
            AuditAction::BackupKeyReset => "backup_key_reset",
            AuditAction::BackupRestored => "backup_restored",
            AuditAction::HostRenamed => "host_renamed",
            AuditAction::AccountDeleted => "account_deleted",
            AuditAction::AccountSenderChanged => "account_sender_changed",
            AuditAction::SenderPolicyChanged => "sender_policy_changed",
            AuditAction::SmtpFallbackSaved => "smtp_fallback_saved",
            AuditAction::SmtpFallbackRemoved => "smtp_fallback_removed",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One entry, newest first in `GET /api/v1/audit`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who acted: a user's email (for a failed sign-in, the address tried).
    pub actor: String,
    pub action: AuditAction,
    /// Whom or what it was done to (a user's email, an account, a token's name), if anyone.
    pub target: Option<String>,
    /// More about it (the SMTP fields changed, a role, a test's stage), never a secret.
    pub detail: String,
    /// The client address, where the request had one.
    pub source: Option<String>,
    /// The credential it came with: `session`, `token <id> (<name>)`, `link`,
    /// `sign-in`, `cli`, `gatehouse` or `provisioning`; absent for entries older than this field.
    pub via: Option<String>,
}

/// One page of the audit log and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_name() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
        }
        assert_eq!(AuditAction::parse("nope"), None);
    }
}
