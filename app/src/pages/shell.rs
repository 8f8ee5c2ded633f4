//! The signed-in layout: header, sidebar and the page. Sends anyone without a
//! session to `/signin`. What the sidebar offers follows the user's role; the
//! server enforces the same rule on every route.

use super::delivery_banner::DeliveryBanner;
use super::widgets::{ErrorNote, LanguagePicker, Loading};
use crate::client;
use crate::i18n::use_i18n;
use crate::server_fns::whoami;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_navigate;
use shared::api::{ErrorCode, Me};

#[component]
pub fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let me = LocalResource::new(|| async { whoami().await });
    let navigate = use_navigate();
    // The language they chose is theirs on every browser.
    Effect::new(move || {
        if let Some(Ok(Me { language: Some(lang), .. })) = me.get() {
            if i18n.lang.get_untracked() != lang {
                i18n.set(lang);
            }
        }
    });
    Effect::new(move || {
        if let Some(Err(e)) = me.get() {
            if e.0.code == ErrorCode::Unauthorized {
                navigate("/signin", Default::default());
            }
        }
    });
    view! {
        {move || match me.get() {
            None => view! { <main class="centered"><Loading/></main> }.into_any(),
            Some(Ok(user)) => {
                provide_context(user.clone());
                view! { <Layout me=user/> }.into_any()
            }
            Some(Err(e)) if e.0.code == ErrorCode::Unauthorized => view! { <main class="centered"><Loading/></main> }.into_any(),
            Some(Err(e)) => view! {
                <main class="centered">
                    <div class="card">
                        <ErrorNote error=e.0/>
                        <button on:click=move |_| me.refetch()>{move || i18n.t().retry}</button>
                    </div>
                </main>
            }.into_any(),
        }}
    }
}

#[component]
fn Layout(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let sign_out = Action::new_local(|_: &()| async { client::delete("/api/v1/session").await });
    Effect::new(move || {
        // Only once the server has ended the session; a failure shows below.
        if let Some(Ok(())) = sign_out.value().get() {
            navigate("/signin", Default::default());
        }
    });
    let save_language = Action::new_local(|language: &shared::Language| {
        let language = *language;
        async move { crate::server_fns::set_language(shared::api::MeUpdate { language }).await }
    });
    let is_host_admin = me.role.can_manage_host();
    let is_host_role = !me.role.needs_account();
    let role = me.role;
    // An account's admins have their account's page.
    let my_account = me.account_id.filter(|_| role == shared::Role::AccountAdmin);
    view! {
        <div class="layout">
            <header class="topbar">
                <span class="brand">{move || i18n.t().product}<small>{move || i18n.t().tagline}</small></span>
                <span class="whoami">
                    {move || i18n.t().signed_in_as}" "<strong data-testid="me-email">{me.email.to_string()}</strong>
                    " · "{move || i18n.t().role(role)}
                </span>
                // Signed in, a choice of language is kept on the server too.
                <LanguagePicker on_change=Callback::new(move |language| { save_language.dispatch(language); })/>
                <button class="link" on:click=move |_| { sign_out.dispatch(()); } disabled=move || sign_out.pending().get()>
                    {move || i18n.t().sign_out}
                </button>
            </header>
            // Every role has users to see (account roles: their own account's);
            // accounts are the host's business; host settings the host admins'.
            <nav class="sidebar" aria-label="main">
                <A href="/users">{move || i18n.t().nav_users}</A>
                {is_host_role.then(|| view! { <A href="/accounts">{move || i18n.t().nav_accounts}</A> })}
                {my_account.map(|id| view! { <A href=format!("/accounts/{id}")>{move || i18n.t().nav_my_account}</A> })}
                {is_host_admin.then(|| view! { <A href="/settings">{move || i18n.t().nav_host_settings}</A> })}
                <A href="/profile">{move || i18n.t().nav_profile}</A>
            </nav>
            <main class="content">
                <DeliveryBanner role/>
                {move || sign_out.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNote error=e/> })}
                <Outlet/>
            </main>
        </div>
    }
}

/// `/`: every role lands on Users, which shows what that role may see (an
/// account admin: their account's users, to manage; an account user: their
/// account's members).
#[component]
pub fn Home() -> impl IntoView {
    view! { <Redirect path="/users"/> }
}

/// The page body for data that is loading, failed, or ready.
pub fn with_data<T: Clone + 'static, V: IntoView + 'static>(
    resource: LocalResource<Result<T, crate::error::AppError>>,
    ready: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match resource.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(data)) => ready(data).into_any(),
        Some(Err(e)) => view! { <ErrorNote error=e.0/> }.into_any(),
    }
}
