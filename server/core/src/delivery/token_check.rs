//! The OAuth2 relay's token, asked for before an email needs it: at start,
//! after the SMTP configuration changes, then every
//! [`super::HealthSettings::token_check_every`] (every
//! `token_retry_every` while it fails), even when nothing is sent. The
//! outcome goes to delivery health (a failed check makes it `failing`) and
//! `/metrics`; a change between working and failing is audited once, not at
//! every check.

use super::{storage, Delivery};
use crate::audit::{self, Actor, Entry};
use crate::error::Result;
use crate::storage::now;
use shared::audit::AuditAction;
use shared::delivery::{TokenCheck, TokenState};

/// Checks the token if the relay signs in with OAuth2; what it found.
pub async fn check(delivery: &Delivery) -> Result<Option<TokenState>> {
    let Some(outcome) = crate::smtp::service::check_token(&delivery.smtp).await? else { return Ok(None) };
    let at = now();
    let check = match outcome {
        Ok(lifetime) => TokenCheck { state: TokenState::Ok, checked_at: at, expires_at: Some(at + lifetime.as_secs() as i64), error: None },
        Err(why) => {
            crate::metrics::METRICS.token_check_failed();
            tracing::warn!(error = %why, "the OAuth2 relay's token could not be had");
            TokenCheck { state: TokenState::Failing, checked_at: at, expires_at: None, error: Some(why) }
        }
    };
    let before = storage::record_token_check(delivery.db.writes(), &check).await?;
    let action = match (before, check.state) {
        (Some(Some(TokenState::Ok) | None), TokenState::Failing) => Some(AuditAction::SmtpTokenFailing),
        (Some(Some(TokenState::Failing)), TokenState::Ok) => Some(AuditAction::SmtpTokenRestored),
        _ => None,
    };
    if let Some(action) = action {
        let detail = check.error.as_deref().unwrap_or_default();
        audit::record(delivery.db.writes(), Entry::new(Actor::gatehouse(None), action).detail(detail)).await?;
    }
    Ok(Some(check.state))
}
