//! The fallback relay's state, in place of the primary's switch: it has no
//! switch of its own (it is in use while it is saved and SMTP is on), so
//! the page says whether it is in use, what it does, and offers to remove it.

use super::super::widgets::ErrorNote;
use super::{Form, LastChanged};
use crate::i18n::use_i18n;
use crate::server_fns::remove_fallback;
use leptos::prelude::*;
use shared::api::ApiError;

#[component]
pub(super) fn FallbackState(form: Form, managed: bool) -> impl IntoView {
    let i18n = use_i18n();
    let saved = move || form.settings.with(|s| s.saved);
    let line = move || {
        let t = i18n.t();
        form.settings.with(|s| match (s.saved, s.enabled) {
            (false, _) => t.fallback_none,
            (true, true) => t.fallback_in_use,
            (true, false) => t.fallback_smtp_off,
        })
    };
    view! {
        <section class="smtp-state">
            <p data-testid="fallback-state"><strong>{line}</strong></p>
            <p class="hint">{move || i18n.t().fallback_explained}</p>
            // A managed fallback is the server's settings' to remove (the server refuses too).
            {move || (saved() && !managed).then(|| view! { <RemoveFallback form/> })}
            <LastChanged form/>
        </section>
    }
}

/// "Remove fallback relay", asked twice: removing it forgets its secret too.
#[component]
fn RemoveFallback(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let remove = Action::new_local(move |(): &()| async move {
        match remove_fallback().await {
            Ok(s) => {
                failure.set(None);
                confirming.set(false);
                // What is left is an empty form: the next save adds a new fallback.
                form.start_over(s);
            }
            Err(e) => failure.set(Some(e.0)),
        }
    });
    let pending = remove.pending();
    view! {
        <div class="actions">
            <button type="button" class="danger" data-testid="fallback-remove" disabled=move || pending.get() || confirming.get()
                on:click=move |_| confirming.set(true)>
                {move || i18n.t().fallback_remove}
            </button>
        </div>
        {move || confirming.get().then(|| view! {
            <div class="confirm" role="alertdialog" aria-labelledby="fallback-remove-question">
                <p id="fallback-remove-question">{move || i18n.t().fallback_remove_confirm}</p>
                <button type="button" class="danger" disabled=move || pending.get() on:click=move |_| { remove.dispatch(()); }>
                    {move || if pending.get() { i18n.t().working } else { i18n.t().remove_yes }}
                </button>
                <button type="button" disabled=move || pending.get() on:click=move |_| {
                    confirming.set(false);
                    failure.set(None);
                }>{move || i18n.t().cancel}</button>
            </div>
        })}
        {move || failure.get().map(|e| view! { <ErrorNote error=e/> })}
    }
}
