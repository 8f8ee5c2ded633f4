//! The frame of a page reached from an emailed link (`/invite/:token`,
//! `/reset/:token`): it asks the server whether the link still works before
//! showing the form, so a dead link says so before anyone types a password,
//! and it switches to the dead-link message if the link dies while the form
//! is open (the form sets `gone` on a 410).

use super::widgets::{ErrorNote, Loading, PublicCard};
use crate::client;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::api::ErrorCode;
use shared::invite::LinkStatus;

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
pub fn LinkPage<Form, FormView>(
    title: Signal<&'static str>,
    /// The status route of the link, e.g. `/api/v1/invitations`; the token is appended.
    status_route: &'static str,
    /// What to show when the link is used, replaced or expired.
    dead: fn() -> AnyView,
    /// The form, given the token and the `gone` flag.
    form: Form,
) -> impl IntoView
where
    Form: Fn(String, RwSignal<bool>) -> FormView + Send + Sync + 'static,
    FormView: IntoView + 'static,
{
    let token = take_link_token();
    let status = LocalResource::new({
        let token = token.clone();
        move || {
            let token = token.clone();
            async move { client::get::<LinkStatus>(&format!("{status_route}/{token}")).await }
        }
    });
    let gone = RwSignal::new(false);
    view! {
        <PublicCard title=title>
            {move || match status.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(LinkStatus { valid: true, .. })) if !gone.get() => form(token.clone(), gone).into_any(),
                Some(Ok(_)) => dead(),
                Some(Err(e)) if matches!(e.code, ErrorCode::Gone | ErrorCode::NotFound) => dead(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
            }}
        </PublicCard>
    }
}
