//! The email outbox as the dashboard's Email activity page and the REST API show it.

use serde::{Deserialize, Serialize};

/// What an email is for. On the wire and in the database: the lower-case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailKind {
    Invitation,
    Reset,
}

impl EmailKind {
    pub const ALL: [EmailKind; 2] = [EmailKind::Invitation, EmailKind::Reset];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What `GET /api/v1/emails` and Email activity filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailFilter {
    /// A part of the recipient's address, any case.
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub status: Option<EmailStatus>,
    #[serde(default)]
    pub kind: Option<EmailKind>,
    /// Only emails to this account's users.
    #[serde(default)]
    pub account_id: Option<i64>,
}

/// Where an email is in delivery. On the wire and in the database: the lower-case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    Queued,
    Sending,
    Retrying,
    Sent,
    Failed,
    Cancelled,
}

impl EmailStatus {
    pub const ALL: [EmailStatus; 6] =
        [EmailStatus::Queued, EmailStatus::Sending, EmailStatus::Retrying, EmailStatus::Sent, EmailStatus::Failed, EmailStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sending => "sending",
            EmailStatus::Retrying => "retrying",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
            EmailStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<EmailStatus> {
        EmailStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Waiting for its next attempt (held while SMTP is off).
    pub fn is_waiting(self) -> bool {
        matches!(self, EmailStatus::Queued | EmailStatus::Retrying)
    }

    /// "Retry" sends it again now: anything not sent and not being sent.
    pub fn can_retry(self) -> bool {
        matches!(self, EmailStatus::Failed | EmailStatus::Retrying | EmailStatus::Cancelled | EmailStatus::Queued)
    }

    /// "Discard" gives up on it: anything not sent, not being sent and not already given up.
    pub fn can_discard(self) -> bool {
        matches!(self, EmailStatus::Queued | EmailStatus::Retrying | EmailStatus::Failed)
    }
}

/// An email and where it is in delivery.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSummary {
    pub id: i64,
    pub kind: EmailKind,
    pub to: String,
    pub status: EmailStatus,
    pub attempts: i64,
    /// The relay's reply or the connection error of the last failed attempt.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// When the next attempt is due (queued and retrying emails).
    pub next_attempt_at: Option<i64>,
    /// Waiting because SMTP is switched off: it goes out once SMTP is on again (or is discarded).
    pub held: bool,
    /// Which relay took it: `primary`, or `fallback` while the primary was failing. Sent
    /// emails only (and none for those sent before Gatehouse recorded it).
    pub via: Option<crate::smtp::RelayRole>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_on_the_wire() {
        for s in EmailStatus::ALL {
            assert_eq!(EmailStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for k in EmailKind::ALL {
            assert_eq!(EmailKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(EmailStatus::parse("bounced"), None);
    }
}
