//! Small pieces every page uses: loading and error states, form fields, the language picker.

use crate::i18n::{use_i18n, Lang};
use leptos::prelude::*;
use shared::api::ApiError;

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" role="status" aria-live="polite">{move || i18n.t().loading}</p> }
}

/// A failed request, said in the user's language, with the server's detail beneath.
#[component]
pub fn ErrorNote(error: ApiError) -> impl IntoView {
    let i18n = use_i18n();
    let detail = error.message.clone();
    view! {
        <div class="error" role="alert">
            <p>{move || i18n.t().error(&error)}</p>
            <p class="detail">{detail}</p>
        </div>
    }
}

/// A labelled input whose problem (if any) shows beneath it as the user types.
#[component]
pub fn Field(
    label: Signal<&'static str>,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(into)] problem: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                aria-describedby=err_id.clone()
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="field-error" id=err_id>{move || problem.get()}</p>
        </div>
    }
}

#[component]
pub fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="language">
            <span class="visually-hidden">{move || i18n.t().language}</span>
            <select
                aria-label=move || i18n.t().language
                on:change=move |ev| {
                    if let Some(lang) = Lang::from_code(&event_target_value(&ev)) {
                        i18n.set(lang);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option value=lang.code() selected=move || i18n.lang.get() == lang>
                                {lang.texts().language_name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
