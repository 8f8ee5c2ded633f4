//! The two relays the SMTP page configures, the primary and the fallback:
//! the one form serves both, and this is where the role picks the server
//! functions it calls and the tabs that switch between them.

use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{load_fallback_settings, load_smtp_settings, save_fallback, save_smtp, send_fallback_test_email, send_test_email};
use leptos::prelude::*;
use leptos_router::components::A;
use shared::smtp::{RelayRole, SmtpDraft, SmtpSettings, TestReport};

/// The relay as saved (the fallback's `saved` is false while there is none).
pub(super) async fn load(role: RelayRole) -> Result<SmtpSettings, AppError> {
    match role {
        RelayRole::Primary => load_smtp_settings().await,
        RelayRole::Fallback => load_fallback_settings().await,
    }
}

pub(super) async fn save(role: RelayRole, draft: SmtpDraft) -> Result<SmtpSettings, AppError> {
    match role {
        RelayRole::Primary => save_smtp(draft).await,
        RelayRole::Fallback => save_fallback(draft).await,
    }
}

/// "Send test email" through this relay, with the form's values.
pub(super) async fn test(role: RelayRole, draft: SmtpDraft) -> Result<TestReport, AppError> {
    match role {
        RelayRole::Primary => send_test_email(Some(draft)).await,
        RelayRole::Fallback => send_fallback_test_email(Some(draft)).await,
    }
}

/// Where each relay's form lives.
pub(super) fn href(role: RelayRole) -> &'static str {
    match role {
        RelayRole::Primary => "/settings/smtp",
        RelayRole::Fallback => "/settings/smtp/fallback",
    }
}

/// One link per relay, the open one marked current: real links, so each
/// form has its own address, Tab reaches them, and the page shows one form
/// at a time (the fields' ids come from their names: two forms would repeat them).
#[component]
pub(super) fn RelayTabs() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="subnav" aria-label=move || i18n.t().smtp_title data-testid="relay-tabs">
            // `exact`: the primary's address is the start of the fallback's.
            <A href=href(RelayRole::Primary) exact=true>{move || i18n.t().relay_primary}</A>
            <A href=href(RelayRole::Fallback)>{move || i18n.t().relay_fallback}</A>
        </nav>
    }
}
