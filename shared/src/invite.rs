//! Invitations and password resets: what the Users page, the signup and reset
//! pages and the gateway backend send and receive.

use crate::api::UserSummary;
use crate::Role;
use serde::{Deserialize, Serialize};

/// What happened to the email that carries a link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailDelivery {
    /// SMTP is on: the email is in the outbox and goes out in the background.
    Queued,
    /// SMTP is off: no email; share the link yourself.
    SmtpDisabled,
}

/// Invite a new user. Account roles need `account_id`; the server parses `email`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
    #[serde(default, deserialize_with = "crate::integral::optional_int")]
    pub account_id: Option<i64>,
    /// The language of their emails (and their dashboard, until they choose); default: the inviter's.
    #[serde(default)]
    pub language: Option<crate::Language>,
}

/// The answer to an invitation: the new (pending) user and the link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationCreated {
    pub user: UserSummary,
    pub invitation_link: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub email: EmailDelivery,
}

/// A fresh invitation link for a pending user; the previous one is dead.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub invitation_link: String,
    pub expires_at: i64,
    pub email: EmailDelivery,
}

/// A password reset link made by a host admin for a user.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    pub reset_link: String,
    pub expires_at: i64,
    pub email: EmailDelivery,
}

/// Signup from an invitation: the address the link was made for, and a password.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvitation {
    pub email: String,
    pub password: String,
}

/// "Forgot password": always answered the same, whether or not the address exists.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgotPassword {
    pub email: String,
}

/// A new password, from a reset link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPassword {
    pub password: String,
}

/// Whether a reset link can still be used (its page asks before showing a form).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    pub valid: bool,
    /// Whether SMTP is on, so the forgot-password page can say whether to expect an email.
    pub smtp_enabled: bool,
    /// The address whose password the link resets, while it works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// What a live invitation link is for, as its page shows it to whoever
/// holds the link: nothing more than the email it came in said.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    /// The address invited, the one to sign up with.
    pub email: String,
    pub role: Role,
    /// The account joined; `null` for host roles.
    pub account: Option<NamedAccount>,
    /// Who made the link; `null` only for links made before Gatehouse kept it.
    pub invited_by: Option<Inviter>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// An account, by the name its users know it by.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedAccount {
    pub name: String,
}

/// Who made an invitation link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inviter {
    pub email: String,
}
