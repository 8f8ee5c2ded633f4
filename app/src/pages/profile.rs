//! Profile, for every signed-in user: their language (kept on the server, so
//! the dashboard opens in it on any browser) and their own password.

use super::widgets::{ErrorNote, Field};
use crate::error::AppError;
use crate::i18n::{use_i18n, Lang};
use crate::server_fns::{change_my_password, set_language};
use leptos::prelude::*;
use shared::api::{ChangePassword, MeUpdate};
use shared::NewPassword;

#[component]
pub fn Profile() -> impl IntoView {
    let i18n = use_i18n();
    let save_language = Action::new_local(|lang: &Lang| {
        let language = *lang;
        async move { set_language(MeUpdate { language }).await }
    });
    view! {
        <h1>{move || i18n.t().profile_title}</h1>
        <section class="panel">
            <div class="field">
                <label for="profile-language">{move || i18n.t().language}</label>
                <p class="field-help">{move || i18n.t().profile_language_help}</p>
                <select id="profile-language" on:change=move |ev| {
                    if let Some(lang) = Lang::from_code(&event_target_value(&ev)) {
                        i18n.set(lang);
                        save_language.dispatch(lang);
                    }
                }>
                    {Lang::ALL.into_iter().map(|l| view! {
                        <option value=l.code() selected=move || i18n.lang.get() == l>{crate::i18n::texts(l).language_name}</option>
                    }).collect_view()}
                </select>
            </div>
            {move || save_language.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
        </section>
        <PasswordForm/>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change = Action::new_local(|req: &ChangePassword| {
        let req = req.clone();
        async move { change_my_password(req).await }
    });
    Effect::new(move || {
        if let Some(Ok(())) = change.value().get() {
            current.set(String::new());
            new.set(String::new());
        }
    });
    let new_problem = Signal::derive(move || {
        let v = new.get();
        (!v.is_empty()).then(|| NewPassword::parse(&v).err().map(|e| i18n.t().password_error(e))).flatten()
    });
    let server_said = move |field: &'static str| change.value().get().and_then(Result::err).and_then(|AppError(e)| e.fields.get(field).cloned());
    let current_problem = Signal::derive(move || server_said("current_password"));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if NewPassword::parse(&new.get_untracked()).is_ok() {
            change.dispatch(ChangePassword { current_password: current.get_untracked(), new_password: new.get_untracked() });
        }
    };
    view! {
        <form class="panel" on:submit=on_submit novalidate=true>
            <h2>{move || i18n.t().change_password}</h2>
            <Field label=Signal::derive(move || i18n.t().current_password) name="current-password" kind="password" autocomplete="current-password"
                value=current problem=current_problem/>
            <Field label=Signal::derive(move || i18n.t().new_password) name="new-password" kind="password" autocomplete="new-password"
                value=new problem=new_problem/>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || change.pending().get() || NewPassword::parse(&new.get()).is_err()>
                    {move || i18n.t().change_password}
                </button>
            </div>
            {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! { <p role="status" data-testid="password-changed">{move || i18n.t().password_changed}</p> })}
        </form>
    }
}
