//! `/setup/:token`: the one-time link printed by a new instance; creates the first host admin.

use super::widgets::{ErrorNote, Field, LanguagePicker, Loading};
use crate::client;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::api::{ErrorCode, Me, SetupRequest, SetupStatus};
use shared::{EmailAddress, NewPassword};

#[component]
pub fn Setup() -> impl IntoView {
    let i18n = use_i18n();
    let token = super::link_page::take_link_token();
    let status = LocalResource::new({
        let token = token.clone();
        move || {
            let token = token.clone();
            async move { client::get::<SetupStatus>(&format!("/api/v1/setup/{token}")).await }
        }
    });
    view! {
        <main class="centered">
            <div class="card auth">
                <div class="card-head">
                    // The host's name once the link is known to work (`GATEHOUSE_ORGANISATION` on a new instance).
                    <h1>{move || match status.get() {
                        Some(Ok(SetupStatus { host_name: Some(name), .. })) => (i18n.t().setup_title_for)(&name),
                        _ => i18n.t().setup_title.to_owned(),
                    }}</h1>
                    <LanguagePicker/>
                </div>
                {move || match status.get() {
                    None => view! { <Loading/> }.into_any(),
                    Some(Ok(SetupStatus { valid: true, .. })) => view! { <SetupForm token=token.clone()/> }.into_any(),
                    Some(Ok(_)) => view! { <DeadLink/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                }}
            </div>
        </main>
    }
}

#[component]
fn DeadLink() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="error" role="alert">{move || i18n.t().setup_link_dead}</p>
        <A href="/signin">{move || i18n.t().go_to_sign_in}</A>
    }
}

#[component]
fn SetupForm(token: String) -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let last_sent = RwSignal::new(None::<SetupRequest>);
    let submit = Action::new_local(move |req: &SetupRequest| {
        last_sent.set(Some(req.clone()));
        let (req, token) = (req.clone(), token.clone());
        async move { client::post::<_, Me>(&format!("/api/v1/setup/{token}"), &req).await }
    });
    let server_field = move |name: &str| {
        let judged = last_sent.get()?;
        let current = match name {
            "email" => email.get(),
            _ => password.get(),
        };
        let judged_value = if name == "email" { judged.email } else { judged.password };
        (current == judged_value).then(|| submit.value().get().and_then(|r| r.err()).and_then(|e| e.fields.get(name).cloned())).flatten()
    };
    // Problems show as soon as there is something to judge, and the server's verdict after a submit.
    let email_problem = Signal::derive(move || {
        let v = email.get();
        (!v.is_empty()).then(|| EmailAddress::parse(&v).err().map(|e| i18n.t().email_error(e))).flatten().or_else(|| server_field("email"))
    });
    let password_problem = Signal::derive(move || {
        let v = password.get();
        (!v.is_empty()).then(|| NewPassword::parse(&v).err().map(|e| i18n.t().password_error(e))).flatten().or_else(|| server_field("password"))
    });
    let confirm_problem = Signal::derive(move || {
        let c = confirm.get();
        (!c.is_empty() && c != password.get()).then(|| i18n.t().passwords_differ.to_owned())
    });
    let ready = move || EmailAddress::parse(&email.get()).is_ok() && NewPassword::parse(&password.get()).is_ok() && confirm.get() == password.get();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(_)) = submit.value().get() {
            navigate("/users", Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            submit.dispatch(SetupRequest { email: email.get_untracked(), password: password.get_untracked() });
        }
    };
    view! {
        <form on:submit=on_submit>
            <p>{move || i18n.t().setup_intro}</p>
            <Field label=Signal::derive(move || i18n.t().email) name="email" kind="email" autocomplete="username" value=email problem=email_problem/>
            <Field label=Signal::derive(move || i18n.t().password) name="password" kind="password" autocomplete="new-password" value=password problem=password_problem/>
            <Field label=Signal::derive(move || i18n.t().confirm_password) name="confirm" kind="password" autocomplete="new-password" value=confirm problem=confirm_problem/>
            <button type="submit" class="primary" disabled=move || submit.pending().get() || !ready()>
                {move || if submit.pending().get() { i18n.t().creating } else { i18n.t().create_admin }}
            </button>
            {move || match submit.value().get() {
                Some(Err(e)) if e.code == ErrorCode::Gone => view! { <DeadLink/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                _ => ().into_any(),
            }}
        </form>
    }
}
