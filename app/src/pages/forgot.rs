//! `/forgot`: asks for a reset link by email. The answer is the same whether
//! or not the address has an account, so the page cannot be used to find out.

use super::credentials::email_problem;
use super::widgets::{ErrorNote, Field, PublicCard};
use crate::client;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::invite::ForgotPassword;
use shared::EmailAddress;

#[component]
pub fn Forgot() -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let submit = Action::new_local(|req: &ForgotPassword| {
        let req = req.clone();
        async move {
            // 202 with `{}`: nothing to read but the success itself.
            client::post::<_, serde_json::Value>("/api/v1/password-reset", &req).await.map(|_| req.email)
        }
    });
    // The address the request went out for. A memo, so a failed attempt
    // does not rebuild the form under the user's cursor.
    let sent_for = Memo::new(move |_| submit.value().get().and_then(Result::ok));
    let error = move || submit.value().get().and_then(Result::err);
    let server_email = move || error().and_then(|e| e.fields.get("email").cloned());
    let problem = email_problem(email, server_email);
    let ready = move || EmailAddress::parse(&email.get()).is_ok();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            submit.dispatch(ForgotPassword { email: email.get_untracked().trim().to_owned() });
        }
    };
    view! {
        <PublicCard title=Signal::derive(move || i18n.t().forgot_title)>
            {move || match sent_for.get() {
                Some(address) => view! {
                    <div class="done" role="status" data-testid="forgot-done">
                        <p>{move || (i18n.t().forgot_done)(&address)}</p>
                        <p class="muted">{move || i18n.t().forgot_no_email}</p>
                    </div>
                }.into_any(),
                None => view! {
                    <form on:submit=on_submit novalidate=true>
                        <p>{move || i18n.t().forgot_intro}</p>
                        <Field label=Signal::derive(move || i18n.t().email) name="email" kind="email" autocomplete="username" value=email problem/>
                        <button type="submit" class="primary" disabled=move || submit.pending().get() || !ready()>
                            {move || if submit.pending().get() { i18n.t().sending } else { i18n.t().send_reset_link }}
                        </button>
                        {move || error().map(|e| view! { <ErrorNote error=e/> })}
                    </form>
                }.into_any(),
            }}
            <A href="/signin">{move || i18n.t().back_to_sign_in}</A>
        </PublicCard>
    }
}
