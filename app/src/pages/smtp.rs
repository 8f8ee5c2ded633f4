//! Host settings → SMTP configuration: the relay this instance's email goes
//! through, and the optional fallback relay that takes over while it fails.
//! One form serves both (`relay.rs` picks the server functions by role), one
//! relay to a tab.
//!
//! The form judges itself as you type with the parser the server runs again
//! (`SmtpDraft::parse`), but only speaks about a field once it has been
//! touched or a save or test was attempted: a fresh form is not a wall of red.

mod fallback;
mod history;
mod relay;
mod test_send;

use super::number_field::NumberField;
use super::shell::with_data;
use super::verdict::Verdict;
use super::widgets::{local_time, ErrorNote, Field, Switch};
use crate::i18n::{use_i18n, Texts};
use crate::server_fns::set_smtp_enabled;
use leptos::prelude::*;
use shared::api::{ApiError, ErrorCode};
use shared::oauth::{OAuthDraft, OAuthView, Provider, Transport};
use shared::smtp::{parse_port, preset_of, FromName, Preset, RelayRole, Security, SmtpDraft, SmtpHost, SmtpSettings, PRESETS};
use shared::EmailAddress;
use std::collections::{BTreeMap, BTreeSet};

type FieldMap = BTreeMap<String, String>;

/// The fields the form has, under the names the parser and the server use.
const FIELDS: [&str; 11] = [
    "host",
    "port",
    "from_name",
    "from_email",
    "username",
    "password",
    "oauth",
    "oauth.tenant_id",
    "oauth.client_id",
    "oauth.client_secret",
    "oauth.service_account_key",
];

/// How the form signs in to the relay when authentication is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Method {
    #[default]
    Password,
    OAuth(Provider),
}

impl Method {
    const ALL: [Method; 3] = [Method::Password, Method::OAuth(Provider::Microsoft365), Method::OAuth(Provider::Google)];

    fn value(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::OAuth(provider) => provider.as_str(),
        }
    }
}

/// `/settings/smtp`: the primary relay.
#[component]
pub fn SmtpPage() -> impl IntoView {
    view! { <RelayPage role=RelayRole::Primary/> }
}

/// `/settings/smtp/fallback`: the fallback relay.
#[component]
pub fn FallbackPage() -> impl IntoView {
    view! { <RelayPage role=RelayRole::Fallback/> }
}

#[component]
fn RelayPage(role: RelayRole) -> impl IntoView {
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || relay::load(role));
    view! {
        <h2>{move || i18n.t().smtp_title}</h2>
        <p>{move || i18n.t().smtp_intro}</p>
        <relay::RelayTabs/>
        {with_data(loaded, move |settings| view! { <SmtpForm settings role/> })}
    }
}

/// The form's state: one signal per control, the server's latest word, and
/// what decides which problems show.
#[derive(Clone, Copy)]
struct Form {
    /// Which relay this form configures: decides the server functions it calls.
    role: RelayRole,
    settings: RwSignal<SmtpSettings>,
    host: RwSignal<String>,
    /// None while the box holds no whole number.
    port: RwSignal<Option<i64>>,
    from_name: RwSignal<String>,
    from_email: RwSignal<String>,
    security: RwSignal<Security>,
    auth: RwSignal<bool>,
    username: RwSignal<String>,
    password: RwSignal<String>,
    method: RwSignal<Method>,
    /// Microsoft 365: through the relay (XOAUTH2) or Microsoft Graph.
    transport: RwSignal<Transport>,
    tenant_id: RwSignal<String>,
    client_id: RwSignal<String>,
    /// Write-only, like the password: blank keeps the stored one.
    client_secret: RwSignal<String>,
    service_account_key: RwSignal<String>,
    touched: RwSignal<BTreeSet<&'static str>>,
    attempted: RwSignal<bool>,
    /// The server's last refusal, with the draft it judged.
    verdict: Verdict<SmtpDraft>,
    /// Test sends finished on this page (the History reloads on each).
    tests_run: RwSignal<u32>,
}

impl Form {
    fn new(settings: SmtpSettings, role: RelayRole) -> Self {
        let form = Form {
            role,
            settings: RwSignal::new(settings.clone()),
            host: RwSignal::default(),
            port: RwSignal::default(),
            from_name: RwSignal::default(),
            from_email: RwSignal::default(),
            security: RwSignal::default(),
            auth: RwSignal::default(),
            username: RwSignal::default(),
            password: RwSignal::default(),
            method: RwSignal::default(),
            transport: RwSignal::default(),
            tenant_id: RwSignal::default(),
            client_id: RwSignal::default(),
            client_secret: RwSignal::default(),
            service_account_key: RwSignal::default(),
            touched: RwSignal::default(),
            attempted: RwSignal::new(false),
            verdict: Verdict::new(),
            tests_run: RwSignal::new(0),
        };
        form.load(&settings);
        form
    }

    /// Puts the server's values in the controls. The password is write-only: never prefilled.
    fn load(&self, s: &SmtpSettings) {
        self.host.set(s.host.clone());
        self.port.set(Some(s.port.into()));
        self.from_name.set(s.from_name.clone());
        self.from_email.set(s.from_email.clone());
        self.security.set(s.security);
        self.auth.set(s.auth);
        self.username.set(s.username.clone().unwrap_or_default());
        self.password.set(String::new());
        self.client_secret.set(String::new());
        self.service_account_key.set(String::new());
        self.transport.set(Transport::Smtp);
        match &s.oauth {
            None => self.method.set(Method::Password),
            Some(OAuthView::Microsoft365 { tenant_id, client_id, transport, .. }) => {
                self.method.set(Method::OAuth(Provider::Microsoft365));
                self.transport.set(*transport);
                self.tenant_id.set(tenant_id.clone());
                self.client_id.set(client_id.clone());
            }
            Some(OAuthView::Google { .. }) => self.method.set(Method::OAuth(Provider::Google)),
        }
    }

    /// The server's new word on a relay that was removed (or replaced from
    /// elsewhere): its values in the controls, and a form not yet judged.
    fn start_over(&self, s: SmtpSettings) {
        self.load(&s);
        self.settings.set(s);
        self.attempted.set(false);
        self.touched.set(BTreeSet::new());
    }

    /// The draft as typed (reactive).
    fn draft(&self) -> SmtpDraft {
        let auth = self.auth.get();
        let password = self.password.get();
        SmtpDraft {
            host: self.host.get(),
            // No number is no port: 0 fails the port check like any other.
            port: self.port.get().unwrap_or(0),
            from_name: self.from_name.get(),
            from_email: self.from_email.get(),
            security: self.security.get(),
            auth,
            // Credentials travel only with authentication on; no password means "keep the stored one".
            username: auth.then(|| self.username.get()),
            password: (auth && self.method.get() == Method::Password && !password.is_empty()).then_some(password),
            // Secrets travel only when typed: blank keeps the stored one.
            oauth: auth
                .then(|| match self.method.get() {
                    Method::Password => None,
                    Method::OAuth(Provider::Microsoft365) => Some(OAuthDraft::Microsoft365 {
                        tenant_id: self.tenant_id.get(),
                        client_id: self.client_id.get(),
                        client_secret: Some(self.client_secret.get()).filter(|s| !s.is_empty()),
                        transport: self.transport.get(),
                    }),
                    Method::OAuth(Provider::Google) => {
                        Some(OAuthDraft::Google { service_account_key: Some(self.service_account_key.get()).filter(|k| !k.trim().is_empty()) })
                    }
                })
                .flatten(),
        }
    }

    /// What is wrong with a draft, by field, in the parser's English.
    fn problems(&self, d: &SmtpDraft) -> FieldMap {
        let keepable = self.settings.with(|s| s.can_keep_password_for(d));
        d.parse(keepable).err().map(|e| e.fields).unwrap_or_default()
    }

    /// A save or test attempt: from now on every problem shows. The draft, if it is worth sending.
    fn attempt(&self) -> Option<SmtpDraft> {
        self.attempted.set(true);
        let d = untrack(|| self.draft());
        untrack(|| self.problems(&d)).is_empty().then_some(d)
    }

    /// Whether the form sends through Microsoft Graph: then it asks for no relay.
    fn graph(&self) -> bool {
        self.auth.get() && self.method.get() == Method::OAuth(Provider::Microsoft365) && self.transport.get() == Transport::Graph
    }

    fn touch(&self, field: &'static str) {
        if !self.touched.with_untracked(|t| t.contains(field)) {
            self.touched.update(|t| {
                t.insert(field);
            });
        }
    }

    /// The problem to show under `field`, if any: ours once the field is judged,
    /// else the server's while the field still holds the value it judged.
    fn problem(self, field: &'static str) -> Signal<Option<String>> {
        let i18n = use_i18n();
        Signal::derive(move || {
            let d = self.draft();
            let judged = self.attempted.get() || self.touched.with(|t| t.contains(field));
            let ours = judged.then(|| self.problems(&d).remove(field)).flatten();
            ours.map(|english| say_problem(i18n.t(), &d, field, &english))
                .or_else(|| self.verdict.on(field, |sent| value_of(sent, field) == value_of(&d, field)))
        })
    }
}

/// The problem in the user's language when we know it, else the parser's English.
fn say_problem(t: &Texts, d: &SmtpDraft, field: &str, english: &str) -> String {
    let translated = match field {
        "host" => SmtpHost::parse(&d.host).err().map(|e| t.host_error(e)),
        "port" if parse_port(d.port).is_none() => Some(t.port_invalid.to_owned()),
        "from_name" => FromName::parse(&d.from_name).err().map(|e| t.from_name_error(e)),
        "from_email" => EmailAddress::parse(&d.from_email).err().map(|e| t.email_error(e)),
        "username" if d.username.as_deref().unwrap_or_default().trim().is_empty() => Some(t.username_required.to_owned()),
        "username" => Some(t.username_invalid.to_owned()),
        "password" if d.password.is_none() => Some(t.smtp_password_required.to_owned()),
        "password" if d.password.as_ref().is_some_and(|p| p.chars().count() > shared::smtp::MAX_PASSWORD_CHARS) => {
            Some((t.password_too_long)(shared::smtp::MAX_PASSWORD_CHARS))
        }
        "oauth.tenant_id" => Some(t.tenant_problem.to_owned()),
        "oauth.client_id" => Some(t.client_id_problem.to_owned()),
        "oauth.client_secret" => Some(t.client_secret_required.to_owned()),
        "oauth.service_account_key" => Some(t.key_problem.to_owned()),
        _ => None,
    };
    translated.unwrap_or_else(|| english.to_owned())
}

/// A field's value in a draft: tells whether the user changed it since the server judged it.
fn value_of(d: &SmtpDraft, field: &str) -> String {
    match field {
        "host" => d.host.clone(),
        "port" => d.port.to_string(),
        "from_name" => d.from_name.clone(),
        "from_email" => d.from_email.clone(),
        "username" => d.username.clone().unwrap_or_default(),
        "password" => d.password.clone().unwrap_or_default(),
        "oauth.tenant_id" | "oauth.client_id" | "oauth.client_secret" => match &d.oauth {
            Some(OAuthDraft::Microsoft365 { tenant_id, client_id, client_secret, .. }) => match field {
                "oauth.tenant_id" => tenant_id.clone(),
                "oauth.client_id" => client_id.clone(),
                _ => client_secret.clone().unwrap_or_default(),
            },
            _ => String::new(),
        },
        "oauth.service_account_key" => match &d.oauth {
            Some(OAuthDraft::Google { service_account_key }) => service_account_key.clone().unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

#[component]
fn SmtpForm(settings: SmtpSettings, role: RelayRole) -> impl IntoView {
    let i18n = use_i18n();
    // Provisioned by the server's settings: every field shows, none can change (the server refuses too).
    let managed = settings.managed;
    let preset = RwSignal::new(PRESETS.iter().find(|p| p.host == settings.host));
    let form = Form::new(settings, role);
    let saved_draft = RwSignal::new(None::<SmtpDraft>);
    let save = Action::new_local(move |d: &SmtpDraft| {
        let d = d.clone();
        async move {
            let result = relay::save(form.role, d.clone()).await.map_err(|e| e.0);
            form.verdict.answer(d, &result);
            match result {
                Ok(s) => {
                    form.load(&s);
                    form.settings.set(s);
                    saved_draft.set(Some(untrack(|| form.draft())));
                    None
                }
                Err(e) => {
                    saved_draft.set(None);
                    Some(e)
                }
            }
        }
    });
    let saving = save.pending();
    // "Saved" holds while the form still shows what was saved.
    let is_saved = move || saved_draft.with(|s| s.as_ref().is_some_and(|s| *s == form.draft()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(d) = form.attempt() {
            save.dispatch(d);
        }
    };
    let choose_preset = move |ev| {
        let chosen = PRESETS.iter().find(|p| p.name == event_target_value(&ev));
        if let Some(p) = chosen {
            form.host.set(p.host.to_owned());
            form.port.set(Some(p.port.into()));
            form.security.set(p.security);
        }
        preset.set(chosen);
    };
    // The two switches exclude each other: checking one picks it, unchecking leaves no encryption.
    let security_switch = move |which: Security| {
        (Signal::derive(move || form.security.get() == which), Callback::new(move |on: bool| form.security.set(if on { which } else { Security::None })))
    };
    let (ssl_on, set_ssl) = security_switch(Security::Ssl);
    let (starttls_on, set_starttls) = security_switch(Security::StartTls);
    let touch = move |field: &'static str| Callback::new(move |()| form.touch(field));
    let text = move |pick: fn(&Texts) -> &'static str| Signal::derive(move || pick(i18n.t()));
    view! {
        {managed.then(|| view! {
            <div class="managed" role="note" data-testid="smtp-managed">
                // Either relay: the fallback's settings are GATEHOUSE_SMTP_FALLBACK_*, which these words cover.
                <p><strong>{move || i18n.t().smtp_managed}</strong></p>
                <p>{move || i18n.t().smtp_managed_detail}</p>
            </div>
        })}
        {match role {
            RelayRole::Primary => view! { <SmtpState form managed/> }.into_any(),
            RelayRole::Fallback => view! { <fallback::FallbackState form managed/> }.into_any(),
        }}
        <form class="smtp" on:submit=on_submit novalidate=true>
            // A disabled fieldset makes every control in it read-only at once.
            <fieldset class="lock" disabled=managed>
                <div class="form-grid">
                    // Graph names no relay: its fields are not asked (the server ignores them).
                    {move || (!form.graph()).then(|| view! {
                    <div class="field wide">
                        <label for="field-preset">{move || i18n.t().preset_label}</label>
                        <select id="field-preset" on:change=choose_preset>
                            <option value="" selected=move || preset.with(Option::is_none)>{move || i18n.t().preset_none}</option>
                            {PRESETS.iter().map(|p: &'static Preset| view! {
                                <option value=p.name selected=move || preset.get().is_some_and(|c| c.name == p.name)>{p.name}</option>
                            }).collect_view()}
                        </select>
                        {move || preset.get().map(|p| view! {
                            <a class="guide" href=p.guide target="_blank" rel="noopener">{(i18n.t().preset_guide)(p.name)}</a>
                        })}
                    </div>
                    <Field label=text(|t| t.smtp_host) name="host" value=form.host problem=form.problem("host")
                        help=text(|t| t.smtp_host_help) on_touch=touch("host")/>
                    <NumberField label=text(|t| t.smtp_port) name="port" value=form.port problem=form.problem("port")
                        help=text(|t| t.smtp_port_help) on_touch=touch("port")/>
                    })}
                    <Field label=text(|t| t.from_name) name="from_name" value=form.from_name problem=form.problem("from_name")
                        help=text(|t| t.from_name_help) on_touch=touch("from_name")/>
                    <Field label=text(|t| t.from_email) name="from_email" kind="email" value=form.from_email
                        problem=form.problem("from_email") help=text(|t| t.from_email_help) on_touch=touch("from_email")/>
                </div>
                {move || (!form.graph()).then(|| view! {
                <fieldset class="switches">
                    <legend>{move || i18n.t().encryption}</legend>
                    <Switch label=text(|t| t.enable_ssl) name="ssl" checked=ssl_on on_change=set_ssl/>
                    <Switch label=text(|t| t.enable_starttls) name="starttls" checked=starttls_on on_change=set_starttls/>
                </fieldset>
                })}
                <Switch label=text(|t| t.enable_auth) name="auth" checked=form.auth on_change=Callback::new(move |on| form.auth.set(on))/>
                {move || form.auth.get().then(|| view! {
                    <div class="field wide">
                        <label for="field-method">{move || i18n.t().auth_method}</label>
                        <select id="field-method" on:change=move |ev| choose_method(form, preset, &event_target_value(&ev))>
                            {Method::ALL.into_iter().map(|m| view! {
                                <option value=m.value() selected=move || form.method.get() == m>{move || method_name(i18n.t(), m)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    {move || match form.method.get() {
                        Method::Password => view! {
                            <div class="form-grid">
                                <Field label=text(|t| t.smtp_username) name="username" value=form.username problem=form.problem("username")
                                    help=text(|t| t.smtp_username_help) on_touch=touch("username")/>
                                // new-password: keeps the browser from filling in the admin's own sign-in password.
                                <Field label=text(|t| t.password) name="password" kind="password" autocomplete="new-password"
                                    value=form.password problem=form.problem("password") help=text(|t| t.smtp_password_help)
                                    placeholder=Signal::derive(move || if kept(form) { i18n.t().password_kept } else { "" })
                                    on_touch=touch("password")/>
                                {move || kept(form).then(|| view! {
                                    <p class="hint wide">{move || i18n.t().password_kept}</p>
                                })}
                            </div>
                        }.into_any(),
                        Method::OAuth(provider) => view! {
                            {(provider == Provider::Microsoft365).then(|| view! { <TransportChoice form/> })}
                            <ProviderGuide provider graph=Signal::derive(move || form.graph())/>
                            <div class="form-grid">
                                {move || (!form.graph()).then(|| view! {
                                <Field label=text(|t| t.oauth_mailbox) name="username" value=form.username problem=form.problem("username")
                                    help=text(|t| t.oauth_mailbox_help) on_touch=touch("username")/>
                                })}
                                {match provider {
                                    Provider::Microsoft365 => view! {
                                        <Field label=text(|t| t.tenant_id) name="oauth.tenant_id" value=form.tenant_id problem=form.problem("oauth.tenant_id")
                                            on_touch=touch("oauth.tenant_id")/>
                                        <Field label=text(|t| t.client_id) name="oauth.client_id" value=form.client_id problem=form.problem("oauth.client_id")
                                            on_touch=touch("oauth.client_id")/>
                                        <Field label=text(|t| t.client_secret) name="oauth.client_secret" kind="password" autocomplete="new-password"
                                            value=form.client_secret problem=form.problem("oauth.client_secret") help=text(|t| t.client_secret_help)
                                            placeholder=Signal::derive(move || if kept(form) { i18n.t().secret_kept } else { "" })
                                            on_touch=touch("oauth.client_secret")/>
                                    }.into_any(),
                                    Provider::Google => view! { <ServiceAccountKey form/> }.into_any(),
                                }}
                            </div>
                        }.into_any(),
                    }}
                })}
            </fieldset>
            {(!managed).then(|| view! {
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || saving.get()>
                        {move || if saving.get() { i18n.t().saving } else { i18n.t().save }}
                    </button>
                    <span class="saved" aria-live="polite" data-testid="smtp-saved">{move || (is_saved() && !saving.get()).then(|| i18n.t().saved)}</span>
                </div>
            })}
            {move || save.value().get().flatten().map(|e| view! { <Refusal error=e/> })}
        </form>
        <test_send::TestSend form/>
        <history::History form/>
    }
}

fn method_name(t: &Texts, m: Method) -> &'static str {
    match m {
        Method::Password => t.method_password,
        Method::OAuth(Provider::Microsoft365) => t.method_microsoft,
        Method::OAuth(Provider::Google) => t.method_google,
    }
}

/// Whether a secret is stored that this form, as it stands, may keep.
fn kept(form: Form) -> bool {
    let d = form.draft();
    form.settings.with(|s| s.can_keep_password_for(&d))
}

/// Microsoft 365 only: through the relay with an XOAUTH2 token, or through
/// Microsoft Graph's sendMail for tenants with SMTP AUTH off.
#[component]
fn TransportChoice(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |ev| {
        if let Some(t) = Transport::parse(&event_target_value(&ev)) {
            form.transport.set(t);
        }
    };
    view! {
        <div class="field wide">
            <label for="field-transport">{move || i18n.t().transport_label}</label>
            <select id="field-transport" data-testid="smtp-transport" on:change=choose>
                {[Transport::Smtp, Transport::Graph].into_iter().map(|t| view! {
                    <option value=t.as_str() selected=move || form.transport.get() == t>
                        {move || if t == Transport::Graph { i18n.t().transport_graph } else { i18n.t().transport_smtp }}
                    </option>
                }).collect_view()}
            </select>
            {move || (form.transport.get() == Transport::Graph).then(|| view! { <p class="field-help">{move || i18n.t().transport_graph_note}</p> })}
        </div>
    }
}

/// What to set up at the provider, with its step-by-step guide.
#[component]
fn ProviderGuide(provider: Provider, #[prop(into)] graph: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let guide = move || -> (fn(&Texts) -> &'static str, &'static str) {
        match provider {
            Provider::Microsoft365 if graph.get() => (|t| t.guide_graph, "https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access"),
            Provider::Microsoft365 => (
                |t| t.guide_microsoft,
                "https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth",
            ),
            Provider::Google => (|t| t.guide_google, "https://developers.google.com/identity/protocols/oauth2/service-account#delegatingauthority"),
        }
    };
    view! {
        <p class="hint guide-text" data-testid="oauth-guide">{move || guide().0(i18n.t())}" "
            <a href=move || guide().1 target="_blank" rel="noopener">{move || i18n.t().guide_link}</a>
        </p>
    }
}

/// Picking a provider fills in its relay (host, port, security), as picking its preset does.
fn choose_method(form: Form, preset: RwSignal<Option<&'static Preset>>, value: &str) {
    let Some(method) = Method::ALL.into_iter().find(|m| m.value() == value) else { return };
    form.method.set(method);
    if let Method::OAuth(provider) = method {
        let relay = preset_of(provider);
        form.host.set(relay.host.to_owned());
        form.port.set(Some(relay.port.into()));
        form.security.set(relay.security);
        preset.set(Some(relay));
    }
}

/// Google's service-account key: pasted or uploaded, write-only; only its account is shown back.
#[component]
fn ServiceAccountKey(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let problem = form.problem("oauth.service_account_key");
    let stored = move || {
        form.settings.with(|s| match &s.oauth {
            Some(OAuthView::Google { client_email, secret_set: true }) => Some(client_email.clone()),
            _ => None,
        })
    };
    view! {
        <div class="field wide" class:invalid=move || problem.get().is_some()>
            <label for="field-oauth-key">{move || i18n.t().service_account_key}</label>
            <p class="field-help" id="field-oauth-key-help">{move || i18n.t().service_account_key_help}</p>
            {move || stored().map(|email| view! { <p class="hint" data-testid="oauth-key-stored">{move || (i18n.t().key_stored_for)(&email)}</p> })}
            <input type="file" accept=".json,application/json" aria-label=move || i18n.t().upload_key
                on:change=move |ev| {
                    read_key_file(ev, form.service_account_key);
                    form.touch("oauth.service_account_key");
                }/>
            <textarea
                id="field-oauth-key"
                rows="4"
                spellcheck="false"
                aria-describedby="field-oauth-key-help field-oauth-key-error"
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                prop:value=form.service_account_key
                on:input=move |ev| {
                    form.service_account_key.set(event_target_value(&ev));
                    form.touch("oauth.service_account_key");
                }
            ></textarea>
            <p class="field-error" id="field-oauth-key-error">{move || problem.get()}</p>
        </div>
    }
}

/// Reads the chosen key file into the field, where it shows and is checked like a pasted one.
#[cfg(feature = "csr")]
fn read_key_file(ev: leptos::ev::Event, into: RwSignal<String>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    let Ok(reader) = web_sys::FileReader::new() else { return };
    let done = reader.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        if let Some(text) = done.result().ok().and_then(|v| v.as_string()) {
            into.set(text);
        }
    });
    reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
    // The read finishes after this returns: the browser owns the callback (a few bytes per upload).
    on_load.forget();
    let _ = reader.read_as_text(&file);
}

/// Outside the browser there are no files to read.
#[cfg(not(feature = "csr"))]
fn read_key_file(_ev: leptos::ev::Event, _into: RwSignal<String>) {}

/// Whether SMTP is on, and who changed the configuration last. Without the
/// switch while `managed`: the server's settings decide it.
#[component]
fn SmtpState(form: Form, managed: bool) -> impl IntoView {
    let i18n = use_i18n();
    // The switch shows what was asked while the server decides, then the server's answer.
    let wanted = RwSignal::new(None::<bool>);
    let failure = RwSignal::new(None::<ApiError>);
    let toggle = Action::new_local(move |on: &bool| {
        let on = *on;
        async move {
            match set_smtp_enabled(on).await {
                Ok(s) => {
                    form.settings.set(s);
                    failure.set(None);
                }
                Err(e) => failure.set(Some(e.0)),
            }
            wanted.set(None);
        }
    });
    let on_change = Callback::new(move |on: bool| {
        wanted.set(Some(on));
        toggle.dispatch(on);
    });
    let saved = move || form.settings.with(|s| s.saved);
    // A 409 means the server holds no saved configuration: the same thing the note explains.
    let conflict = move || failure.with(|e| e.as_ref().is_some_and(|e| e.code == ErrorCode::Conflict));
    // Any news from the server (a save, say) makes an old failure stale.
    Effect::new(move || {
        form.settings.track();
        failure.set(None);
    });
    view! {
        <section class="smtp-state">
            {(!managed).then(|| view! {
                <Switch
                    label=Signal::derive(move || i18n.t().smtp_enabled)
                    name="enabled"
                    testid="smtp-enabled"
                    described_by="smtp-enabled-note"
                    checked=Signal::derive(move || wanted.get().unwrap_or_else(|| form.settings.with(|s| s.enabled)))
                    disabled=Signal::derive(move || !saved() || toggle.pending().get())
                    on_change
                />
                <p class="hint" id="smtp-enabled-note">
                    {move || if !saved() || conflict() { i18n.t().smtp_save_first } else { i18n.t().smtp_how_to_disable }}
                </p>
            })}
            {move || failure.get().filter(|e| e.code != ErrorCode::Conflict).map(|e| view! { <ErrorNote error=e/> })}
            <LastChanged form/>
        </section>
    }
}

/// Who changed the relay's configuration last, and when.
#[component]
fn LastChanged(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        form.settings.with(|s| {
            let at = s.updated_at?;
            let when = local_time(at);
            let t = i18n.t();
            let line = match &s.updated_by {
                Some(who) => (t.last_changed_by)(who, &when),
                None => (t.last_changed)(&when),
            };
            Some(view! { <p class="muted" data-testid="smtp-last-changed">{line}</p> })
        })
    }
}

/// A refused save or test. Field problems show under their fields; this also
/// lists any the form has no field for, so none goes unsaid.
#[component]
fn Refusal(error: ApiError) -> impl IntoView {
    let others: Vec<_> =
        error.fields.iter().filter(|(name, _)| !FIELDS.contains(&name.as_str())).map(|(name, msg)| view! { <li>{format!("{name}: {msg}")}</li> }).collect();
    view! {
        <ErrorNote error/>
        {(!others.is_empty()).then(|| view! { <ul class="field-error">{others}</ul> })}
    }
}
