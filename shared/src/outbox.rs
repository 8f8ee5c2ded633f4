//! The email outbox as the dashboard's Email activity page and the REST API show it.

use serde::{Deserialize, Serialize};

/// An email and where it is in delivery.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSummary {
    pub id: i64,
    /// `invitation` or `reset`.
    pub kind: String,
    pub to: String,
    /// `queued`, `sending`, `retrying`, `sent`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i64,
    /// The relay's reply or the connection error of the last failed attempt.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// When the next attempt is due (queued and retrying emails).
    pub next_attempt_at: Option<i64>,
    /// Waiting because SMTP is switched off: it goes out once SMTP is on again (or is discarded).
    pub held: bool,
}

/// The states an email can be listed by.
pub const STATUSES: [&str; 6] = ["queued", "sending", "retrying", "sent", "failed", "cancelled"];
