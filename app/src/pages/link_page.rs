//! The frame of a page reached from an emailed link (`/invite/:token`,
//! `/reset/:token`): it asks the server whether the link still works before
//! showing the form, so a dead link says so before anyone types a password,
//! and it switches to the dead-link message if the link dies while the form
//! is open (the form sets `gone` on a 410, and the page asks again why).

use super::widgets::{ErrorNote, Loading, PublicCard};
use crate::client;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::de::DeserializeOwned;
use shared::api::{ApiError, ErrorCode};

/// The secret of a link page's address (`/setup/:token`, `/invite/:token`,
/// `/reset/:token`), read once; then the address bar forgets it
/// (`history.replaceState`), so that it lingers in no history, bookmark,
/// screenshot or shoulder-surfer's view.
pub fn take_link_token() -> String {
    let token = use_params_map().read_untracked().get("token").unwrap_or_default();
    #[cfg(feature = "csr")]
    if !token.is_empty() {
        if let Some(window) = web_sys::window() {
            let path = window.location().pathname().unwrap_or_default();
            if let Some(without) = path.strip_suffix(token.as_str()) {
                if let Ok(history) = window.history() {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(without.trim_end_matches('/')));
                }
            }
        }
    }
    token
}

#[component]
pub fn LinkPage<T, Form, FormView>(
    title: Signal<&'static str>,
    /// The status route of the link, e.g. `/api/v1/invitations`; the token is appended.
    status_route: &'static str,
    /// Whether the status says the link works (an invitation's does whenever
    /// it is a 200; a reset's says `valid`).
    live: fn(&T) -> bool,
    /// What to show when the link is used, replaced or expired, given the
    /// server's 404 or 410 (`None`: a status that said "not valid").
    dead: fn(Option<ApiError>) -> AnyView,
    /// The form, given the token, the `gone` flag and the link's status.
    form: Form,
) -> impl IntoView
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
    Form: Fn(String, RwSignal<bool>, T) -> FormView + Send + Sync + 'static,
    FormView: IntoView + 'static,
{
    let token = take_link_token();
    let status = LocalResource::new({
        let token = token.clone();
        move || {
            let token = token.clone();
            async move { client::get::<T>(&format!("{status_route}/{token}")).await }
        }
    });
    let gone = RwSignal::new(false);
    // The form met a 410: ask again, for the server to say what ended the link.
    Effect::new(move || {
        if gone.get() {
            status.refetch();
        }
    });
    view! {
        <PublicCard title=title>
            {move || match status.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(s)) if live(&s) && !gone.get() => form(token.clone(), gone, s).into_any(),
                Some(Ok(_)) => dead(None),
                Some(Err(e)) if matches!(e.code, ErrorCode::Gone | ErrorCode::NotFound) => dead(Some(e)),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
            }}
        </PublicCard>
    }
}
