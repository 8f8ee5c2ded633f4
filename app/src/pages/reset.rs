//! `/reset/:token`: the link in a password reset email (or one a host admin
//! handed over). Choosing a new password here signs the user out everywhere.

use super::credentials::{confirm_problem, password_problem, passwords_ready};
use super::link_page::LinkPage;
use super::widgets::{ErrorNote, Field};
use crate::client;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::ErrorCode;
use shared::invite::{LinkStatus, ResetPassword};

#[component]
pub fn Reset() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <LinkPage
            title=Signal::derive(move || i18n.t().reset_title)
            status_route="/api/v1/password-reset"
            live=|s: &LinkStatus| s.valid
            dead=|_| view! { <DeadLink/> }.into_any()
            form=|token, gone, s: LinkStatus| view! { <ResetForm token gone email=s.email.unwrap_or_default()/> }
        />
    }
}

#[component]
fn DeadLink() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="error" role="alert" data-testid="dead-link">{move || i18n.t().reset_link_dead}</p>
        <A href="/forgot">{move || i18n.t().ask_new_reset_link}</A>
    }
}

#[component]
fn ResetForm(token: String, gone: RwSignal<bool>, email: String) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<String>);
    let submit = Action::new_local(move |req: &ResetPassword| {
        sent.set(Some(req.password.clone()));
        let (req, token) = (req.clone(), token.clone());
        async move { client::post::<_, serde_json::Value>(&format!("/api/v1/password-reset/{token}"), &req).await }
    });
    let error = move || submit.value().get().and_then(Result::err);
    // A memo, so a failed attempt does not rebuild the form under the user's cursor.
    let done = Memo::new(move |_| matches!(submit.value().get(), Some(Ok(_))));
    // The server's word on the password holds while the field still shows what it judged.
    let password_problem = password_problem(password, move || {
        let msg = error()?.fields.get("password").cloned()?;
        (sent.get().as_deref() == Some(password.get().as_str())).then_some(msg)
    });
    let confirm_problem = confirm_problem(password, confirm);
    let ready = move || passwords_ready(password, confirm);
    let note = move || error().filter(|e| e.code != ErrorCode::Gone && !(e.code == ErrorCode::Validation && e.fields.contains_key("password")));
    Effect::new(move || {
        if error().is_some_and(|e| e.code == ErrorCode::Gone) {
            gone.set(true);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            submit.dispatch(ResetPassword { password: password.get_untracked() });
        }
    };
    view! {
        {move || if done.get() {
            view! {
                <p role="status" data-testid="reset-done">{move || i18n.t().reset_done}</p>
                <A href="/signin">{move || i18n.t().sign_in}</A>
            }.into_any()
        } else {
            view! {
                <form on:submit=on_submit novalidate=true>
                    {(!email.is_empty()).then(|| {
                        let email = email.clone();
                        view! { <p data-testid="reset-for">{move || (i18n.t().reset_for)(&email)}</p> }
                    })}
                    // For password managers: the account this new password belongs to.
                    <input type="email" name="username" autocomplete="username" value=email.clone() hidden=true readonly=true/>
                    <Field label=Signal::derive(move || i18n.t().password) name="password" kind="password" autocomplete="new-password" value=password problem=password_problem/>
                    <Field label=Signal::derive(move || i18n.t().confirm_password) name="confirm" kind="password" autocomplete="new-password" value=confirm problem=confirm_problem/>
                    <button type="submit" class="primary" disabled=move || submit.pending().get() || !ready()>
                        {move || if submit.pending().get() { i18n.t().saving } else { i18n.t().set_new_password }}
                    </button>
                    {move || note().map(|e| view! { <ErrorNote error=e/> })}
                </form>
            }.into_any()
        }}
    }
}
