//! `/signin`: email and password.

use super::widgets::{ErrorNote, Field, LanguagePicker};
use crate::client;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::api::{ErrorCode, Me, SignInRequest};

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = Action::new_local(|req: &SignInRequest| {
        let req = req.clone();
        async move { client::post::<_, Me>("/api/v1/session", &req).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(_)) = submit.value().get() {
            navigate("/", Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(SignInRequest { email: email.get_untracked(), password: password.get_untracked() });
    };
    let no_problem = Signal::derive(|| None::<String>);
    view! {
        <main class="centered">
            <form class="card auth" on:submit=on_submit>
                <div class="card-head">
                    <h1>{move || i18n.t().sign_in_title}</h1>
                    <LanguagePicker/>
                </div>
                <Field label=Signal::derive(move || i18n.t().email) name="email" kind="email" autocomplete="username" value=email problem=no_problem/>
                <Field label=Signal::derive(move || i18n.t().password) name="password" kind="password" autocomplete="current-password" value=password problem=no_problem/>
                <button type="submit" class="primary" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { i18n.t().signing_in } else { i18n.t().sign_in }}
                </button>
                <A href="/forgot">{move || i18n.t().forgot_link}</A>
                {move || match submit.value().get() {
                    Some(Err(e)) if e.code == ErrorCode::Unauthorized => {
                        view! { <p class="error" role="alert">{move || i18n.t().err_wrong_credentials}</p> }.into_any()
                    }
                    Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                    _ => ().into_any(),
                }}
            </form>
        </main>
    }
}
