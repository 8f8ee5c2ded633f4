//! API tokens: the bearer credentials the gateway backend uses. Created with
//! a name and an optional lifetime, shown once, listed without their secret,
//! revoked at will.

use crate::api::FieldErrors;
use crate::ApiError;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 100;
/// The longest lifetime a token can be given (ten years); none means it never expires.
pub const MAX_EXPIRES_IN_DAYS: i64 = 3650;

/// `POST /api/v1/tokens`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    /// What the token is for, e.g. "gateway backend" (1 to 100 characters, one line).
    pub name: String,
    /// Days until it stops working (1 to 3650); absent: it works until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::integral::optional_int")]
    pub expires_in_days: Option<i64>,
}

/// A [`NewApiToken`] known to be well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRequest {
    pub name: String,
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
        if let Some(days) = self.expires_in_days {
            if !(1..=MAX_EXPIRES_IN_DAYS).contains(&days) {
                fields.add("expires_in_days", format!("from 1 to {MAX_EXPIRES_IN_DAYS} days, or leave it out for no expiry"));
            }
        }
        fields.into_result()?;
        Ok(ApiTokenRequest { name: name.to_owned(), expires_in_days: self.expires_in_days })
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
        let ok = NewApiToken { name: "  gateway backend ".into(), expires_in_days: Some(30) }.parse().unwrap();
        assert_eq!(ok, ApiTokenRequest { name: "gateway backend".into(), expires_in_days: Some(30) });
        assert!(NewApiToken { name: "forever".into(), expires_in_days: None }.parse().is_ok());
        let bad = NewApiToken { name: " ".into(), expires_in_days: Some(0) }.parse().unwrap_err();
        assert_eq!(bad.fields.keys().collect::<Vec<_>>(), ["expires_in_days", "name"]);
        assert!(NewApiToken { name: "a\nb".into(), expires_in_days: Some(MAX_EXPIRES_IN_DAYS + 1) }.parse().is_err());
        assert!(NewApiToken { name: "x".repeat(101), expires_in_days: None }.parse().is_err());
    }
}
