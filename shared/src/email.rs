//! An email address that has been checked once, at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest address SMTP can carry (RFC 5321 §4.5.3.1.3 path limit less the brackets).
pub const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// A syntactically valid address, lower-cased: addresses are compared
/// case-insensitively everywhere (in practice no mail system distinguishes
/// `Ada@` from `ada@`), and lower-casing once here makes that identical on
/// SQLite and PostgreSQL.
///
/// The rules follow lettre's `Address` (dot-atom local part or a quoted
/// string is *not* accepted: the console never needs one) so that an address
/// the browser accepts is one the mail sender accepts too.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    Empty,
    TooLong,
    MissingAt,
    BadLocalPart,
    BadDomain,
    Invisible,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmailError::Empty => "an email address is required",
            EmailError::TooLong => "the email address is too long",
            EmailError::MissingAt => "the email address needs an @",
            EmailError::BadLocalPart => "the part before the @ is not valid",
            EmailError::BadDomain => "the part after the @ is not a valid domain",
            EmailError::Invisible => "the email address holds an invisible or text-direction character",
        })
    }
}

impl std::error::Error for EmailError {}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = crate::text::nfc(input.trim());
        let input = input.as_ref();
        if input.chars().any(crate::text::is_invisible_or_bidi) {
            return Err(EmailError::Invisible);
        }
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = input.rsplit_once('@').ok_or(EmailError::MissingAt)?;
        if !is_valid_local_part(local) {
            return Err(EmailError::BadLocalPart);
        }
        if !is_valid_domain(domain) {
            return Err(EmailError::BadDomain);
        }
        Ok(Self(format!("{}@{}", local.to_lowercase(), domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// RFC 5322 dot-atom: atext runs separated by single dots.
fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c) || (!c.is_ascii() && !c.is_control() && !c.is_whitespace()))
        })
}

/// A DNS name (IDN allowed) with at least two labels, or a bracketed IP literal.
pub fn is_valid_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let literal = literal.strip_prefix("IPv6:").unwrap_or(literal);
        return literal.parse::<std::net::IpAddr>().is_ok();
    }
    crate::email::is_valid_hostname(domain) && domain.contains('.')
}

/// A DNS host name: labels of letters, digits and hyphens (or non-ASCII
/// letters, for IDN), none empty, none starting or ending with a hyphen.
pub fn is_valid_hostname(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.chars().count() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c.is_alphabetic())
        })
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_them() {
        let a = EmailAddress::parse("  Ada.Lovelace+ops@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "ada.lovelace+ops@example.com");
        assert_eq!(a.domain(), "example.com");
        assert!(EmailAddress::parse("root@[127.0.0.1]").is_ok());
        assert!(EmailAddress::parse("mario@caffè.it").is_ok());
    }

    #[test]
    fn rejects_what_a_mail_server_would() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a\r\n@example.com",
            "a@example.com\r\nBcc: x@y.z",
            "a@[not-an-ip]",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "accepted {bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused_in_both_parts() {
        for bad in ["ad\u{200B}a@example.com", "ada@exam\u{200D}ple.com", "ada\u{202E}@example.com", "ada@example.com\u{2066}"] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invisible), "{bad:?}");
        }
    }

    #[cfg(feature = "server-checks")]
    #[test]
    fn on_the_server_an_address_is_one_whatever_its_unicode_form() {
        let composed = EmailAddress::parse("jos\u{00E9}@example.com").unwrap();
        let decomposed = EmailAddress::parse("jose\u{0301}@example.com").unwrap();
        assert_eq!(composed, decomposed);
    }

    #[test]
    fn deserializing_runs_the_same_checks() {
        assert!(serde_json::from_str::<EmailAddress>("\"x@example.org\"").is_ok());
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
    }
}
