//! What travels over the wire: the error envelope and the request/response bodies
//! used by the dashboard, the REST API and the server functions alike.

use crate::{EmailAddress, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What went wrong, in a form a program can branch on. Each code has one HTTP status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Gone,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    RateLimited,
    /// The user is disabled: signing in is refused (403).
    Disabled,
    /// The request was addressed (its `Host`) to a name this console does not
    /// answer to: the DNS-rebinding guard.
    MisdirectedRequest,
    /// A momentary conflict over the database (a lock held past its wait, a
    /// serialization failure) or the password hasher's queue: try again now.
    Unavailable,
    /// The database is unreachable, restarting, or dropped the connection.
    StorageUnavailable,
    /// The database's disk is full: nothing can be saved until space is freed.
    StorageFull,
    /// The thing is set by the server's configuration (the SMTP relay from
    /// `GATEHOUSE_SMTP_*`): change it there and restart, not through the API.
    Managed,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::Managed => 409,
            ErrorCode::Gone => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Validation => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Disabled => 403,
            ErrorCode::MisdirectedRequest => 421,
            ErrorCode::Unavailable | ErrorCode::StorageUnavailable | ErrorCode::StorageFull => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// The body of every error: `{"error":{"code","message","fields":{…}}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Per-field messages, keyed by the request's field name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// With `rate_limited`: the seconds to wait before trying again (the
    /// message says them too, and so does the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// With a 5xx: the request's ID (its `X-Request-Id`), to quote when
    /// reporting the problem; every log line of the request carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// With `gone` from a link's page: what ended the link, and whom to ask
    /// for a new one. Boxed: rare, and every `Result<_, ApiError>` carries its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Box<DeadLink>>,
}

/// What ended an invitation or reset link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkEnd {
    /// It was used (the invitation accepted, the password reset).
    Used,
    /// A newer link was made for the same person; only the newest works.
    Replaced,
    /// The person's role, account or state changed since it was made.
    Revoked,
    /// Its time ran out.
    Expired,
}

/// Why a link's page cannot be used any more.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLink {
    pub reason: LinkEnd,
    /// Who made the link (an admin's address), to ask for a new one; absent
    /// when not known (a "forgot password" link, or one made before this was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: BTreeMap::new(), retry_after_secs: None, request_id: None, link: None }
    }

    /// 429: too many of these; try again in `secs` seconds (said in the message).
    pub fn rate_limited(message: impl fmt::Display, secs: u64) -> Self {
        Self { retry_after_secs: Some(secs.max(1)), ..Self::new(ErrorCode::RateLimited, format!("{message}; try again in {} seconds", secs.max(1))) }
    }

    pub fn with_field(mut self, field: &str, message: impl fmt::Display) -> Self {
        self.fields.insert(field.to_owned(), message.to_string());
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "sign in first")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "your role does not allow this")
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ApiError {}

/// Collects per-field problems so a form can show all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.entry(field.to_owned()).or_insert_with(|| e.to_string());
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, message: impl fmt::Display) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.to_string());
    }

    /// `Ok(())` when nothing was wrong, otherwise one 422 naming every field.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError { fields: self.0, ..ApiError::validation("some fields need fixing") })
        }
    }
}

/// Raw credentials as typed; the server parses them (a wrong address is simply a failed sign-in).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest").field("email", &self.email).finish_non_exhaustive()
    }
}

/// First-run setup: the first host admin's address and password.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in user, as the dashboard needs to know them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub email: EmailAddress,
    pub role: Role,
    pub account_id: Option<i64>,
    /// The language they chose (the dashboard opens in it on any browser); none yet: the browser's.
    #[serde(default)]
    pub language: Option<crate::Language>,
}

/// `POST /api/v1/me/password`: the signed-in user's own new password.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePassword { *** }")
    }
}

/// `PATCH /api/v1/me`: the signed-in user's language.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeUpdate {
    pub language: crate::Language,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; has not chosen a password yet.
    Pending,
    Active,
    /// May not sign in; sessions and tokens refused.
    Disabled,
}

/// Lists come a page at a time: this many rows unless asked otherwise…
pub const PAGE_DEFAULT: i64 = 100;
/// …and at most this many.
pub const PAGE_MAX: i64 = 500;

/// One page of a list and where the next one starts (absent on the last page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// What `GET /api/v1/users` and the Users page filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFilter {
    /// A part of the email address, any case.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub status: Option<UserStatus>,
    #[serde(default)]
    pub account_id: Option<i64>,
}

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [UserStatus::Pending, UserStatus::Active, UserStatus::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Pending => "pending",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `PATCH /api/v1/users/{id}`: any of a user's role (with its account:
/// required for account roles, none for host roles) and whether they are
/// disabled. Absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    #[serde(default)]
    pub role: Option<Role>,
    /// The account, for account roles (a host role belongs to none: send null or leave it out).
    #[serde(default, deserialize_with = "crate::integral::optional_int")]
    pub account_id: Option<i64>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: EmailAddress,
    pub role: Role,
    pub account_id: Option<i64>,
    pub status: UserStatus,
    /// State of the last email sent to this user, if any was.
    #[serde(default)]
    pub last_email: Option<crate::outbox::EmailStatus>,
    /// A pending user's invitation whose email has not gone out, while its
    /// link still works; null otherwise (no email was queued, or it was sent
    /// or cancelled, or the link was used, replaced or has expired).
    #[serde(default)]
    pub invitation: Option<UnsentInvitation>,
}

/// An invitation whose email has not gone out (queued, held while SMTP is
/// off, being sent, retrying after a refusal, or given up), with its link to
/// share by hand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsentInvitation {
    /// Where the invitation email is: `queued`, `sending`, `retrying` or `failed`.
    pub email: crate::outbox::EmailStatus,
    /// Waiting while SMTP is switched off.
    #[serde(default)]
    pub held: bool,
    /// The invitation link, for callers who may manage this user (host
    /// admins; account admins for their account's users); null for the rest.
    #[serde(default)]
    pub link: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: i64,
    pub name: String,
    /// The account's own sender; null: its users' emails say the host's From.
    #[serde(default)]
    pub sender: Option<crate::account::AccountSender>,
}

/// An account's page: the account, and what the caller may do to its sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub account: AccountSummary,
    /// Host admins always; the account's admins when the host allows it.
    pub may_set_sender: bool,
    /// The domains a sender may use; empty: any.
    pub sender_domains: Vec<String>,
}

/// What Host settings shows about the instance itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    /// The host's name, as emails and pages say it: set by host admins
    /// (`PATCH /api/v1/host`), else `GATEHOUSE_ORGANISATION`.
    pub name: String,
    pub public_url: String,
    pub version: String,
    pub database: String,
    /// The host's rules for account senders.
    #[serde(default)]
    pub account_senders: SenderPolicy,
}

/// The host's rules for account senders (Host settings).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderPolicy {
    /// Whether account admins may set their own account's sender (host admins always may). Off until a host admin allows it.
    pub account_admins_may_set: bool,
    /// The domains a sender's addresses may use; empty: any. First
    /// `GATEHOUSE_ACCOUNT_SENDER_DOMAINS`, then as host admins set it.
    pub domains: Vec<String>,
}

/// `PATCH /api/v1/host`: rename the host (the same rules as an account's
/// name), and the rules for account senders. What is left out stays as it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether account admins may set their own account's sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_admins_may_set_sender: Option<bool>,
    /// The domains account senders may use (empty: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_sender_domains: Option<Vec<String>>,
}

/// Whether a setup link can still be used.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub valid: bool,
    /// The host's name, for the page's title; only while the link works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_has_the_documented_shape() {
        let e = ApiError::validation("bad").with_field("email", "needs an @");
        let json = serde_json::to_value(ErrorEnvelope { error: e }).unwrap();
        assert_eq!(json, serde_json::json!({"error":{"code":"validation","message":"bad","fields":{"email":"needs an @"}}}));
    }

    #[test]
    fn field_errors_keep_the_first_problem_per_field() {
        let mut f = FieldErrors::default();
        f.add("email", "first");
        f.add("email", "second");
        let err = f.into_result().unwrap_err();
        assert_eq!(err.code.status(), 422);
        assert_eq!(err.fields["email"], "first");
    }
}
