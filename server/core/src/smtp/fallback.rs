//! The fallback relay: a second, optional relay with the same fields,
//! providers and sealed secret as the primary, which takes an email at once
//! when the primary fails it for a reason of the relay's (not the
//! recipient's), until the primary has rested (`sender::Failover`). It has
//! no switch of its own: it is in use while it is saved and SMTP is on.
//! Host admins only, like every SMTP operation.

use super::service::{refuse_if_managed, save_relay, test_relay, view};
use super::storage;
use super::Smtp;
use crate::audit::{self, Entry};
use crate::auth::HostAdmin;
use crate::error::Result;
use shared::audit::AuditAction;
use shared::smtp::{RelayRole, SmtpAuditAction, SmtpDraft, SmtpSettings, TestReport};

/// The fallback relay as saved (`saved: false` when there is none).
/// `enabled` says whether it is in use: saved, and SMTP switched on.
pub async fn settings(smtp: &Smtp, _admin: HostAdmin<'_>) -> Result<SmtpSettings> {
    let stored = storage::load(smtp.db.reads(), RelayRole::Fallback).await?;
    let in_use = stored.is_some() && storage::is_enabled(smtp.db.reads()).await?;
    Ok(SmtpSettings { enabled: in_use, managed: smtp.runtime.managed_fallback, ..view(stored.as_ref()) })
}

/// Saves the fallback relay: the same rules, and the same sealed secret, as the primary's save.
pub async fn save(smtp: &Smtp, admin: HostAdmin<'_>, draft: &SmtpDraft) -> Result<SmtpSettings> {
    save_relay(smtp, admin, RelayRole::Fallback, draft).await?;
    settings(smtp, admin).await
}

/// Removes the fallback relay (its sealed secret with it); what is left
/// (`saved: false`). Removing none is no change, and is not audited.
pub async fn remove(smtp: &Smtp, admin: HostAdmin<'_>) -> Result<SmtpSettings> {
    refuse_if_managed(smtp, RelayRole::Fallback)?;
    let mut tx = smtp.db.begin().await?;
    if storage::remove_fallback(&mut tx).await? {
        storage::audit(&mut *tx, storage::user(&admin.user), RelayRole::Fallback, SmtpAuditAction::Remove, "").await?;
        audit::record(&mut *tx, Entry::new(admin.actor(), AuditAction::SmtpFallbackRemoved)).await?;
        tx.commit().await?;
        tracing::info!(by = %admin.user.email, "fallback relay removed");
    } else {
        // The transaction ends before the read (the storage rule).
        drop(tx);
    }
    settings(smtp, admin).await
}

/// "Send test email" through the fallback relay, to the caller: the draft's
/// values, or the saved ones without a draft. The same limit per user as
/// the primary's test (the two count together).
pub async fn send_test(smtp: &Smtp, admin: HostAdmin<'_>, draft: Option<&SmtpDraft>) -> Result<TestReport> {
    test_relay(smtp, admin, RelayRole::Fallback, draft).await
}
