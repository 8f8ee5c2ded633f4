//! Accounts: the advertisers and partners a host serves.

use crate::api::{ApiError, FieldErrors};
use crate::smtp::FromName;
use crate::EmailAddress;
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

/// An account's own sender, as sent and shown: who its users' emails say
/// they are from (From, and Reply-To when set). The server parses it
/// ([`AccountSender::parse`]) against the host's allowed domains.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSender {
    /// The name before the address (may be empty).
    #[serde(default)]
    pub from_name: String,
    pub from_email: String,
    /// Where replies go, when not to `from_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// A sender that has been checked: one-line name, valid addresses on
/// allowed domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderIdentity {
    pub from_name: FromName,
    pub from_email: EmailAddress,
    pub reply_to: Option<EmailAddress>,
}

impl SenderIdentity {
    /// As shown on the wire.
    pub fn to_wire(&self) -> AccountSender {
        AccountSender {
            from_name: self.from_name.as_str().to_owned(),
            from_email: self.from_email.to_string(),
            reply_to: self.reply_to.as_ref().map(|r| r.to_string()),
        }
    }
}

impl AccountSender {
    /// The checked sender, or a 422 naming each field that needs fixing
    /// (`sender.from_email`, …). Both addresses must be on one of the
    /// `allowed` domains, when the host restricts them.
    pub fn parse(&self, allowed: &SenderDomains) -> Result<SenderIdentity, ApiError> {
        let mut fields = FieldErrors::default();
        let from_name = fields.check("sender.from_name", FromName::parse(&self.from_name));
        let from_email = fields.check("sender.from_email", EmailAddress::parse(&self.from_email).map_err(SenderError::from).and_then(|e| allowed.check(e)));
        let reply_to = match self.reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => Some(None),
            Some(r) => fields.check("sender.reply_to", EmailAddress::parse(r).map_err(SenderError::from).and_then(|e| allowed.check(e))).map(Some),
        };
        fields.into_result()?;
        match (from_name, from_email, reply_to) {
            (Some(from_name), Some(from_email), Some(reply_to)) => Ok(SenderIdentity { from_name, from_email, reply_to }),
            // Each is missing only with its field's error, returned just above.
            _ => Err(ApiError::validation("some fields need fixing")),
        }
    }
}

/// The domains an account sender's addresses may use; none listed: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderDomains(Vec<String>);

/// Why an address is refused, or a domain list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderError {
    Address(crate::email::EmailError),
    /// Not one of the host's allowed domains (listed).
    Domain(String),
    /// A listed domain that is not one.
    BadDomain(String),
}

impl fmt::Display for SenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SenderError::Address(e) => e.fmt(f),
            SenderError::Domain(allowed) => write!(f, "use an address on one of the allowed domains: {allowed}"),
            SenderError::BadDomain(d) => write!(f, "\"{d}\" is not a domain"),
        }
    }
}

impl From<crate::email::EmailError> for SenderError {
    fn from(e: crate::email::EmailError) -> Self {
        SenderError::Address(e)
    }
}

impl SenderDomains {
    /// Domains as listed (trimmed, lower-cased, each a DNS name); blanks are skipped.
    pub fn parse<'a>(domains: impl IntoIterator<Item = &'a str>) -> Result<Self, SenderError> {
        let mut list: Vec<String> = Vec::new();
        for d in domains.into_iter().map(|d| d.trim().trim_start_matches('@').to_lowercase()).filter(|d| !d.is_empty()) {
            if !crate::email::is_valid_domain(&d) || d.starts_with('[') {
                return Err(SenderError::BadDomain(d));
            }
            if !list.contains(&d) {
                list.push(d);
            }
        }
        Ok(Self(list))
    }

    /// A comma-separated list (`GATEHOUSE_ACCOUNT_SENDER_DOMAINS`, the stored one).
    pub fn from_list(list: &str) -> Result<Self, SenderError> {
        Self::parse(list.split(','))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The stored form: comma-separated.
    pub fn to_list(&self) -> String {
        self.0.join(",")
    }

    /// Whether an address on `domain` may be an account's sender.
    pub fn allows(&self, domain: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|d| d.eq_ignore_ascii_case(domain))
    }

    fn check(&self, address: EmailAddress) -> Result<EmailAddress, SenderError> {
        if self.allows(address.domain()) {
            Ok(address)
        } else {
            Err(SenderError::Domain(self.0.join(", ")))
        }
    }
}

/// Body of `PATCH /api/v1/accounts/{id}`: its name, its sender, or both;
/// what is left out stays as it is; `"sender": null` removes the sender.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The account's sender; `null` removes it (its users' emails then say the host's From).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<AccountSender>, nullable))]
    pub sender: Option<Option<AccountSender>>,
}

/// A field that may be absent (`None`), null (`Some(None)`) or set.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Body of `POST /api/v1/accounts/{id}/sender/test`: the sender to test (the
/// form's values), or none for the saved one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderTest {
    #[serde(default)]
    pub sender: Option<AccountSender>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_checked_field_by_field_against_the_allowed_domains() {
        let allowed = SenderDomains::from_list(" Acme.example, @beta.example ,").unwrap();
        assert_eq!(allowed.as_slice(), ["acme.example", "beta.example"]);
        let ok = AccountSender { from_name: " Acme ".into(), from_email: "News@Acme.example".into(), reply_to: Some("help@beta.example".into()) };
        let parsed = ok.parse(&allowed).unwrap();
        assert_eq!((parsed.from_name.as_str(), parsed.from_email.as_str()), ("Acme", "news@acme.example"));
        let bad = AccountSender { from_name: "a\nb".into(), from_email: "x@other.example".into(), reply_to: Some("nope".into()) };
        let fields = bad.parse(&allowed).unwrap_err().fields;
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["sender.from_email", "sender.from_name", "sender.reply_to"]);
        assert!(fields["sender.from_email"].contains("acme.example, beta.example"), "{fields:?}");
        let blank_reply = AccountSender { reply_to: Some(" ".into()), ..ok };
        assert_eq!(blank_reply.parse(&SenderDomains::default()).unwrap().reply_to, None, "no list: any domain; a blank Reply-To is none");
        assert!(SenderDomains::from_list("acme.example, not a domain").is_err());
    }

    #[test]
    fn an_update_tells_a_removed_sender_from_an_unchanged_one() {
        let parse = |s: &str| serde_json::from_str::<AccountUpdate>(s).unwrap().sender;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"sender": null}"#), Some(None));
        assert!(matches!(parse(r#"{"sender": {"from_email": "a@b.example"}}"#), Some(Some(_))));
    }

    #[test]
    fn names_are_one_trimmed_line() {
        assert_eq!(AccountName::parse("  Acme Srl ").unwrap().as_str(), "Acme Srl");
        assert_eq!(AccountName::parse("   "), Err(AccountNameError::Empty));
        assert_eq!(AccountName::parse("a\nb"), Err(AccountNameError::ControlCharacter));
        assert_eq!(AccountName::parse(&"x".repeat(101)), Err(AccountNameError::TooLong));
    }
}
