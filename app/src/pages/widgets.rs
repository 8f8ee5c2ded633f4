//! Small pieces every page uses: loading and error states, form fields and
//! switches, local times, the language picker.

use crate::i18n::{use_i18n, Lang, Texts};
use leptos::prelude::*;
use shared::api::{ApiError, UserStatus};
use shared::audit::AuditAction;
use shared::outbox::{EmailKind, EmailStatus};
use shared::Role;

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

/// "Load more" under a paged list: there while `has_more`, saying so while
/// the next page loads, then the reason if loading it failed.
#[component]
pub fn LoadMore(
    #[prop(into)] has_more: Signal<bool>,
    #[prop(into)] pending: Signal<bool>,
    on_load: Callback<()>,
    #[prop(into)] error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {move || has_more.get().then(|| view! {
            <button class="load-more" on:click=move |_| on_load.run(()) disabled=move || pending.get()>
                {move || if pending.get() { i18n.t().loading } else { i18n.t().load_more }}
            </button>
        })}
        {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
    }
}

/// A value a list can be filtered by: its name on the wire, and for people.
pub trait Choice: Copy + PartialEq + Send + Sync + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(s: &str) -> Option<Self>;
    fn name(self, t: &Texts) -> &'static str;
}

macro_rules! choice {
    ($($ty:ty => |$t:ident, $v:ident| $name:expr;)+) => {$(
        impl Choice for $ty {
            fn all() -> &'static [Self] {
                &<$ty>::ALL
            }
            fn as_str(self) -> &'static str {
                <$ty>::as_str(self)
            }
            fn parse(s: &str) -> Option<Self> {
                <$ty>::parse(s)
            }
            fn name(self, $t: &Texts) -> &'static str {
                let $v = self;
                $name
            }
        }
    )+};
}

choice! {
    Role => |t, v| t.role(v);
    UserStatus => |t, v| t.status(v);
    EmailStatus => |t, v| t.last_email(Some(v));
    EmailKind => |t, v| t.email_kind(v);
    AuditAction => |t, v| t.audit_action_name(v);
}

/// One filter of a list: a labelled drop-down of "All" and every `C`,
/// showing `chosen` and telling `on_pick` what is picked (None: All).
#[component]
pub fn FilterSelect<C: Choice>(
    id: &'static str,
    label: fn(&Texts) -> &'static str,
    #[prop(into)] chosen: Signal<Option<C>>,
    on_pick: Callback<Option<C>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label for=id>{move || label(i18n.t())}</label>
            <select id=id on:change=move |ev| on_pick.run(C::parse(&event_target_value(&ev)))>
                <option value="" selected=move || chosen.get().is_none()>{move || i18n.t().filter_all}</option>
                {C::all()
                    .iter()
                    .map(|&c| view! { <option value=c.as_str() selected=move || chosen.get() == Some(c)>{move || c.name(i18n.t())}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A labelled input whose problem (if any) shows beneath it as the user types.
/// `help` is a short line under the label; `on_touch` fires when the user
/// types in the field or leaves it (pages use it to decide when to judge).
#[component]
pub fn Field(
    label: Signal<&'static str>,
    #[prop(into)] name: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(into)] problem: Signal<Option<String>>,
    #[prop(optional, into)] help: Option<Signal<&'static str>>,
    #[prop(optional, into)] placeholder: Option<Signal<&'static str>>,
    #[prop(optional)] on_touch: Option<Callback<()>>,
) -> impl IntoView {
    let ids = FieldIds::new(&name, help.is_some());
    let touch = move || {
        if let Some(cb) = on_touch {
            cb.run(());
        }
    };
    let input = view! {
        <input
            id=ids.input.clone()
            name=name
            type=kind
            autocomplete=autocomplete
            placeholder=move || placeholder.map(|p| p.get())
            aria-describedby=ids.described_by.clone()
            aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
            prop:value=value
            on:input=move |ev| {
                value.set(event_target_value(&ev));
                touch();
            }
            on:blur=move |_| touch()
        />
    };
    field_frame(ids, label, help, problem, input)
}

/// The ids that tie a field's label, help line and problem to its input.
pub(super) struct FieldIds {
    pub input: String,
    help: String,
    error: String,
    pub described_by: String,
}

impl FieldIds {
    pub fn new(name: &str, has_help: bool) -> Self {
        let input = format!("field-{name}");
        let (help, error) = (format!("{input}-help"), format!("{input}-error"));
        let described_by = if has_help { format!("{help} {error}") } else { error.clone() };
        Self { input, help, error, described_by }
    }
}

/// A field's label and help line above `input`, and its problem beneath.
pub(super) fn field_frame(
    ids: FieldIds,
    label: Signal<&'static str>,
    help: Option<Signal<&'static str>>,
    problem: Signal<Option<String>>,
    input: impl IntoView,
) -> impl IntoView {
    let FieldIds { input: id, help: help_id, error: err_id, .. } = ids;
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id>{label}</label>
            {help.map(|help| view! { <p class="field-help" id=help_id>{help}</p> })}
            {input}
            <p class="field-error" id=err_id>{move || problem.get()}</p>
        </div>
    }
}

/// A labelled checkbox styled as a switch. `checked` is what the page believes;
/// the page decides what a click means through `on_change`.
#[component]
pub fn Switch(
    label: Signal<&'static str>,
    name: &'static str,
    #[prop(into)] checked: Signal<bool>,
    on_change: Callback<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="switch">
            <input
                type="checkbox"
                id=id.clone()
                name=name
                data-testid=testid
                aria-describedby=described_by
                prop:checked=checked
                disabled=disabled
                on:change=move |ev| on_change.run(event_target_checked(&ev))
            />
            <label for=id>{label}</label>
        </div>
    }
}

/// Unix seconds as a date and time in the browser's locale.
#[cfg(feature = "csr")]
pub fn local_time(unix_secs: i64) -> String {
    let locale = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en".into());
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_secs as f64 * 1000.0));
    date.to_locale_string(&locale, &wasm_bindgen::JsValue::UNDEFINED).into()
}

/// Outside the browser there is no locale to honour; the number will do.
#[cfg(not(feature = "csr"))]
pub fn local_time(unix_secs: i64) -> String {
    unix_secs.to_string()
}

/// The frame of the pages people reach before signing in (sign-in, setup,
/// signup, password reset): a centred card with the heading and the language
/// picker, since nobody has chosen a language there yet.
#[component]
pub fn PublicCard(title: Signal<&'static str>, children: Children) -> impl IntoView {
    view! {
        <main class="centered">
            <div class="card auth">
                <div class="card-head">
                    <h1>{title}</h1>
                    <LanguagePicker/>
                </div>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LanguagePicker(#[prop(optional)] on_change: Option<Callback<Lang>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="language">
            <span class="visually-hidden">{move || i18n.t().language}</span>
            <select
                aria-label=move || i18n.t().language
                on:change=move |ev| {
                    if let Some(lang) = Lang::from_code(&event_target_value(&ev)) {
                        i18n.set(lang);
                        if let Some(cb) = on_change {
                            cb.run(lang);
                        }
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option value=lang.code() selected=move || i18n.lang.get() == lang>
                                {crate::i18n::texts(lang).language_name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Runs `f` every `period` until the component goes away (live lists, the delivery banner).
#[cfg(feature = "csr")]
pub fn every(period: std::time::Duration, f: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(f, period) {
        on_cleanup(move || handle.clear());
    }
}

/// Outside the browser nothing stays open to reload.
#[cfg(not(feature = "csr"))]
pub fn every(_period: std::time::Duration, _f: impl Fn() + 'static) {}
