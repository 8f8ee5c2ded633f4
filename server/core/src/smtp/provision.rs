//! The relay from the server's settings (`GATEHOUSE_SMTP_*`): at a start,
//! the stored configuration becomes the provisioned one, and while the
//! settings provision it, the console may test it but not change it.
//!
//! "Managed" is a fact of this start (`SmtpRuntime::managed`, from the
//! settings), not a stored flag: an instance is locked exactly when its own
//! settings provision the relay, so unsetting `GATEHOUSE_SMTP_HOST` and
//! restarting hands the configuration back to the console as it was last
//! provisioned, with nothing to clear; and a stored flag would let an
//! instance started without the settings unlock (or one with them lock)
//! its siblings on the same database behind their backs.

use super::service::{changed_fields, parse};
use super::storage::{self, StoredSmtp};
use super::Smtp;
use crate::audit::{self, Entry, PROVISIONING};
use crate::error::Result;
use crate::operator::Operator;
use crate::seal::{self, Purpose};
use crate::storage::now;
use shared::audit::AuditAction;
use shared::smtp::{PasswordChange, RelayRole, SmtpAuditAction, SmtpDraft};

/// Makes the stored configuration of `relay` `draft` (parsed as a form's
/// save is, with the server's own checks, and never keeping a stored secret:
/// the settings carry their own), the primary switched on or off as
/// `enabled` says (the fallback has no switch: it is in use while SMTP is on). Returns the names
/// of the fields that changed, empty when the stored one was already it:
/// then nothing is written or audited. On any refusal (a 422 or 409 naming
/// the draft's field) nothing is stored.
pub async fn provision(smtp: &Smtp, operator: &Operator, relay: RelayRole, draft: &SmtpDraft, enabled: bool) -> Result<Vec<&'static str>> {
    let enabled = enabled && relay == RelayRole::Primary;
    let mut config = parse(smtp, draft, None)?;
    let secret = config.auth.as_mut().and_then(|a| match std::mem::replace(&mut a.password, PasswordChange::Keep) {
        PasswordChange::Set(secret) => Some(secret),
        PasswordChange::Keep => None,
    });
    let mut tx = smtp.db.begin().await?;
    let before = storage::load_for_update(&mut tx, smtp.db.engine, relay).await?;
    let before_sealed = before.as_ref().and_then(|b| b.password_sealed.as_deref());
    // The same secret stays sealed as it is: sealing draws a new nonce, so
    // sealing it again would read as a change at every start.
    let password_sealed = secret.map(|secret| match before_sealed {
        Some(sealed) if seal::open(&smtp.key, Purpose::SmtpPassword, sealed).is_ok_and(|open| open == secret) => sealed.to_owned(),
        _ => seal::seal(&smtp.key, Purpose::SmtpPassword, &secret),
    });
    let new_secret = password_sealed.is_some() && password_sealed.as_deref() != before_sealed;
    let after = StoredSmtp { config, password_sealed, enabled, updated_at: now(), updated_by: PROVISIONING.to_owned() };
    let mut changed = changed_fields(before.as_ref(), &after.row(), new_secret);
    if before.as_ref().is_some_and(|b| b.enabled != enabled) {
        changed.push("enabled");
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    storage::save(&mut tx, relay, &after).await?;
    // A new row starts off; an existing one keeps its switch until told.
    if relay == RelayRole::Primary && before.as_ref().map_or(enabled, |b| b.enabled != enabled) {
        storage::set_enabled(&mut tx, enabled, PROVISIONING).await?;
    }
    let detail = changed.join(",");
    storage::audit(&mut *tx, storage::PROVISIONING_ACTOR, relay, SmtpAuditAction::Provision, &detail).await?;
    let mut entry = Entry::new(operator.actor(), AuditAction::SmtpProvisioned).detail(&detail);
    if relay == RelayRole::Fallback {
        entry = entry.target("fallback relay");
    }
    audit::record(&mut *tx, entry).await?;
    if enabled {
        // Held emails may be deliverable now: wake every instance's worker.
        crate::wake::at_commit(&mut tx, smtp.db.engine).await?;
    }
    tx.commit().await?;
    if enabled {
        smtp.wake.ring();
    }
    tracing::info!(relay = relay.as_str(), fields = %detail, enabled, "SMTP configuration provisioned from the server's settings");
    Ok(changed)
}
