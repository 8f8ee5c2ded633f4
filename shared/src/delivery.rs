//! Delivery health: whether email is getting out, as `GET /api/v1/delivery`,
//! the console's banner and the alert webhook say it.

use crate::smtp::TestStage;
use serde::{Deserialize, Serialize};

/// How delivery is doing. On the wire and in the database: the lower-case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// SMTP is switched off: emails are held, invitations show their links.
    Off,
    /// Nothing sent recently and nothing waiting.
    Idle,
    Ok,
    /// Some recent attempts failed, or an email has waited too long.
    Degraded,
    /// The last attempts all failed, or the relay's OAuth2 token cannot be had.
    Failing,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 5] = [DeliveryState::Off, DeliveryState::Idle, DeliveryState::Ok, DeliveryState::Degraded, DeliveryState::Failing];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Off => "off",
            DeliveryState::Idle => "idle",
            DeliveryState::Ok => "ok",
            DeliveryState::Degraded => "degraded",
            DeliveryState::Failing => "failing",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Worth telling the admins about (the console's banner).
    pub fn is_trouble(self) -> bool {
        matches!(self, DeliveryState::Degraded | DeliveryState::Failing)
    }
}

/// The last failed delivery attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub at: i64,
    /// The step that failed, when it is known (a one-call send of MAIL, RCPT
    /// and DATA does not say which).
    pub stage: Option<TestStage>,
    /// The relay's or the provider's words, quoted and cut to length.
    pub message: String,
}

/// Whether the OAuth2 relay's token could be had when last asked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    Ok,
    Failing,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Ok => "ok",
            TokenState::Failing => "failing",
        }
    }

    pub fn parse(s: &str) -> Option<TokenState> {
        [TokenState::Ok, TokenState::Failing].into_iter().find(|k| k.as_str() == s)
    }
}

/// The last check of the OAuth2 relay's token.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCheck {
    pub state: TokenState,
    pub checked_at: i64,
    /// When the token in hand expires (a good check).
    pub expires_at: Option<i64>,
    /// The provider's words (a failed check).
    pub error: Option<String>,
}

/// `GET /api/v1/delivery`. Account admins get their account's part: the
/// state, and their users' emails waiting and failed; the relay's words,
/// the last delivery and the token are the host's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryHealth {
    pub state: DeliveryState,
    /// When delivery came into this state (seconds since the epoch).
    pub since: i64,
    pub last_sent_at: Option<i64>,
    pub last_failure: Option<DeliveryFailure>,
    /// Emails queued, retrying or being sent.
    pub waiting: i64,
    /// How long the oldest of them has waited; 0 when none does.
    pub oldest_waiting_seconds: i64,
    /// Emails given up as failed in the last 24 hours.
    pub failed_last_24h: i64,
    /// Only for a relay that signs in with OAuth2, once its token was asked for.
    pub token: Option<TokenCheck>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_as_on_the_wire() {
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(DeliveryState::parse("broken"), None);
        assert_eq!(TokenState::parse("failing"), Some(TokenState::Failing));
        assert_eq!(serde_json::to_value(TokenState::Ok).unwrap(), "ok");
    }
}
