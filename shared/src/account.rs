//! Accounts: the advertisers and partners a host serves.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_NAME_CHARS: usize = 100;

/// An account's name: one line, 1 to 100 characters, trimmed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AccountName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountNameError {
    Empty,
    TooLong,
    ControlCharacter,
}

impl fmt::Display for AccountNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountNameError::Empty => f.write_str("enter a name"),
            AccountNameError::TooLong => write!(f, "use at most {MAX_NAME_CHARS} characters"),
            AccountNameError::ControlCharacter => f.write_str("line breaks, control, invisible and text-direction characters are not allowed"),
        }
    }
}

impl AccountName {
    pub fn parse(input: &str) -> Result<Self, AccountNameError> {
        let input = crate::text::nfc(input);
        if input.chars().any(|c| c.is_control() || crate::text::is_invisible_or_bidi(c)) {
            return Err(AccountNameError::ControlCharacter);
        }
        let name = input.trim();
        if name.is_empty() {
            Err(AccountNameError::Empty)
        } else if name.chars().count() > MAX_NAME_CHARS {
            Err(AccountNameError::TooLong)
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Body of `POST /api/v1/accounts` and `PATCH /api/v1/accounts/{id}`; the server parses `name`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequest {
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_trimmed_line() {
        assert_eq!(AccountName::parse("  Acme Srl ").unwrap().as_str(), "Acme Srl");
        assert_eq!(AccountName::parse("   "), Err(AccountNameError::Empty));
        assert_eq!(AccountName::parse("a\nb"), Err(AccountNameError::ControlCharacter));
        assert_eq!(AccountName::parse(&"x".repeat(101)), Err(AccountNameError::TooLong));
    }
}
