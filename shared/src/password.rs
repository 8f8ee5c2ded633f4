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
    /// One of the most common passwords (server only: `server-checks`).
    TooCommon,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::TooShort => write!(f, "use at least {MIN_CHARS} characters"),
            PasswordError::TooLong => write!(f, "use at most {MAX_CHARS} characters"),
            PasswordError::TooCommon => f.write_str("this is one of the most common passwords, which are guessed first: choose another"),
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
        } else if is_common(raw) {
            Err(PasswordError::TooCommon)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Whether `password` is among the 10,000 most common passwords of
/// [`MIN_CHARS`] or more (data/common-passwords.md says where the list comes
/// from), compared lower-cased. Only the server carries the list.
#[cfg(feature = "server-checks")]
fn is_common(password: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::LazyLock;
    static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| include_str!("../data/common-passwords.txt").lines().collect());
    COMMON.contains(password.to_lowercase().as_str())
}

#[cfg(not(feature = "server-checks"))]
fn is_common(_: &str) -> bool {
    false
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

    #[cfg(feature = "server-checks")]
    #[test]
    fn the_most_common_passwords_are_refused_in_any_case() {
        for common in ["qwertyuiop", "1234567890", "Q1W2E3R4T5", "PassWord123"] {
            assert_eq!(NewPassword::parse(common), Err(PasswordError::TooCommon), "{common}");
        }
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }
}
