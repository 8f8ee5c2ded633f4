//! The password policy, checked in the form as you type and again on the server.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Long enough to resist guessing (NIST SP 800-63B asks for at least 8; we ask a bit more).
pub const MIN_CHARS: usize = 10;
/// Bounded so a hash request cannot be turned into a CPU sink. Counted in
/// characters, like the minimum, so that the REST schema can state it exactly
/// (`maxLength`); 256 characters are at most 1 KiB of UTF-8.
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::TooShort => write!(f, "use at least {MIN_CHARS} characters"),
            PasswordError::TooLong => write!(f, "use at most {MAX_CHARS} characters"),
        }
    }
}

impl std::error::Error for PasswordError {}

/// A password a user is choosing, which meets the policy. Its Debug never prints it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars > MAX_CHARS {
            Err(PasswordError::TooLong)
        } else if chars < MIN_CHARS {
            Err(PasswordError::TooShort)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NewPassword {
    type Error = PasswordError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NewPassword> for String {
    fn from(value: NewPassword) -> Self {
        value.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_the_bounds_and_hides_itself() {
        assert_eq!(NewPassword::parse("short"), Err(PasswordError::TooShort));
        assert_eq!(NewPassword::parse(&"x".repeat(MAX_CHARS + 1)), Err(PasswordError::TooLong));
        assert!(NewPassword::parse(&"é".repeat(MAX_CHARS)).is_ok(), "the bound is in characters");
        let ok = NewPassword::parse("correct horse").unwrap();
        assert_eq!(format!("{ok:?}"), "NewPassword(***)");
        // Counted in characters, not bytes: ten accented letters are enough.
        assert!(NewPassword::parse("àèìòùàèìòù").is_ok());
    }
}
