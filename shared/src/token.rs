//! API tokens: the bearer credentials the gateway backend uses. Created with
//! a name and a lifetime (90 days unless asked otherwise: up to a year, or
//! explicitly never), shown once, listed without their secret, revoked at will.

use crate::api::FieldErrors;
use crate::ApiError;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 100;
/// The lifetime of a token made without one: a forgotten token dies by itself.
pub const DEFAULT_EXPIRES_IN_DAYS: i64 = 90;
/// The longest lifetime a token can be given; beyond it, only "never", said outright.
pub const MAX_EXPIRES_IN_DAYS: i64 = 365;

/// `POST /api/v1/tokens`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    /// What the token is for, e.g. "gateway backend" (1 to 100 characters, one line).
    pub name: String,
    /// Days until it stops working (1 to 365); absent: 90.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::integral::optional_int")]
    pub expires_in_days: Option<i64>,
    /// `true`: it works until revoked (not together with `expires_in_days`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub never_expires: bool,
}

/// A [`NewApiToken`] known to be well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRequest {
    pub name: String,
    /// `None`: it never expires (asked for outright).
    pub expires_in_days: Option<i64>,
}

impl NewApiToken {
    /// Checks both fields, naming each that needs fixing.
    pub fn parse(&self) -> Result<ApiTokenRequest, ApiError> {
        let mut fields = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            fields.add("name", format!("give the token a name of 1 to {MAX_NAME_CHARS} characters, on one line"));
        }
        let expires_in_days = match (self.expires_in_days, self.never_expires) {
            (Some(_), true) => {
                fields.add("never_expires", "either a lifetime or never_expires, not both");
                None
            }
            (None, true) => None,
            (None, false) => Some(DEFAULT_EXPIRES_IN_DAYS),
            (Some(days), false) => {
                if !(1..=MAX_EXPIRES_IN_DAYS).contains(&days) {
                    fields.add("expires_in_days", format!("from 1 to {MAX_EXPIRES_IN_DAYS} days (90 if left out), or never_expires: true"));
                }
                Some(days)
            }
        };
        fields.into_result()?;
        Ok(ApiTokenRequest { name: name.to_owned(), expires_in_days })
    }
}

/// A token as listed: never its secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenSummary {
    pub id: i64,
    pub name: String,
    /// The email of the user the token acts as.
    pub owner: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request it made (to the minute); absent if never used.
    pub last_used_at: Option<i64>,
    /// Unix seconds when it stops working; absent if it works until revoked.
    pub expires_at: Option<i64>,
}

/// The answer to creating a token: the only time its secret is shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub id: i64,
    /// The bearer token (`ght_…`). Shown this once; only its hash is kept.
    pub token: String,
    pub name: String,
    pub owner: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lifetimes_are_checked() {
        let token = |name: &str, expires_in_days, never_expires| NewApiToken { name: name.into(), expires_in_days, never_expires }.parse();
        assert_eq!(token("  gateway backend ", Some(30), false).unwrap(), ApiTokenRequest { name: "gateway backend".into(), expires_in_days: Some(30) });
        assert_eq!(token("default", None, false).unwrap().expires_in_days, Some(DEFAULT_EXPIRES_IN_DAYS));
        assert_eq!(token("forever", None, true).unwrap().expires_in_days, None, "never, only when said");
        let bad = token(" ", Some(0), false).unwrap_err();
        assert_eq!(bad.fields.keys().collect::<Vec<_>>(), ["expires_in_days", "name"]);
        assert!(token("both", Some(30), true).unwrap_err().fields.contains_key("never_expires"));
        assert!(token("a\nb", Some(MAX_EXPIRES_IN_DAYS + 1), false).is_err());
        assert!(token("too long", Some(MAX_EXPIRES_IN_DAYS + 1), false).is_err());
        assert!(token(&"x".repeat(101), None, false).is_err());
    }
}
