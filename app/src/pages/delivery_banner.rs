//! The delivery banner, on every signed-in page: while delivery is
//! `degraded` or `failing`, host admins see why (the stage and the relay's
//! words), how many emails wait, and where to look; account admins a
//! shorter line about their own account's emails. It asks the server again
//! every [`POLL`], so it appears and goes away by itself.

use super::widgets::every;
use crate::i18n::use_i18n;
use crate::server_fns::load_delivery_health;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::delivery::{DeliveryHealth, DeliveryState, TokenState};
use shared::smtp::TestStage;
use shared::Role;
use std::time::Duration;

const POLL: Duration = Duration::from_secs(10);

#[component]
pub fn DeliveryBanner(role: Role) -> impl IntoView {
    // Host users and account users are told nothing they could act on.
    let host = role.can_manage_host();
    (host || role == Role::AccountAdmin).then(|| view! { <Banner host/> })
}

#[component]
fn Banner(host: bool) -> impl IntoView {
    let i18n = use_i18n();
    let health = LocalResource::new(|| async { load_delivery_health().await });
    every(POLL, move || health.refetch());
    move || {
        // A failed check shows nothing: the page says its own errors.
        let h: DeliveryHealth = health.get()?.ok().filter(|h| h.state.is_trouble())?;
        let t = i18n.t();
        let failing = h.state == DeliveryState::Failing;
        let waiting = (h.waiting > 0).then(|| (t.delivery_waiting)(h.waiting));
        Some(if host {
            let headline = if failing { t.delivery_failing } else { t.delivery_degraded };
            // A failed token check says more than the last attempt (which may be older).
            let token = h.token.filter(|c| c.state == TokenState::Failing).map(|c| (Some(TestStage::Token), c.error.unwrap_or_default()));
            let cause = token.or(h.last_failure.map(|f| (f.stage, f.message))).map(|(stage, words)| match stage {
                Some(stage) => format!("{}: {words}", t.test_stage(stage)),
                None => words,
            });
            view! {
                <div class="banner" role="alert" data-testid="delivery-banner" data-state=h.state.as_str()>
                    <strong>{headline}</strong>
                    {cause.map(|c| view! { " " <code class="relay-words">{c}</code> })}
                    {waiting.map(|w| view! { " " {w} })}
                    " "<A href="/settings/emails">{t.nav_emails}</A>" · "<A href="/settings/smtp">{t.nav_smtp}</A>
                </div>
            }
            .into_any()
        } else {
            let headline = if failing { t.delivery_failing_account } else { t.delivery_degraded_account };
            view! {
                <div class="banner" role="alert" data-testid="delivery-banner" data-state=h.state.as_str()>
                    <strong>{headline}</strong>{waiting.map(|w| view! { " " {w} })}
                </div>
            }
            .into_any()
        })
    }
}
