//! Host settings (host admins only): the instance itself, with one sub-page
//! per subject. The heading and sub-navigation stay while the sub-pages change.

use super::shell::with_data;
use super::widgets::{ErrorNote, Field};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{load_host_info, rename_host, update_sender_policy};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use shared::account::AccountName;
use shared::api::SenderPolicy;

#[component]
pub fn HostSettings() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{move || i18n.t().host_settings_title}</h1>
        <p>{move || i18n.t().host_settings_intro}</p>
        <nav class="subnav" aria-label=move || i18n.t().host_settings_title>
            // `exact`: otherwise Overview would stay marked current on every sub-page.
            <A href="/settings" exact=true>{move || i18n.t().nav_settings_overview}</A>
            <A href="/settings/smtp">{move || i18n.t().nav_smtp}</A>
            <A href="/settings/emails">{move || i18n.t().nav_emails}</A>
            <A href="/settings/tokens">{move || i18n.t().nav_tokens}</A>
            <A href="/settings/audit">{move || i18n.t().nav_audit}</A>
            <A href="/settings/backup">{move || i18n.t().nav_backup}</A>
        </nav>
        <Outlet/>
    }
}

/// `/settings`: the host's name (the pen beside it renames it), facts
/// about the running instance, and the rules for account senders.
#[component]
pub fn HostOverview() -> impl IntoView {
    let i18n = use_i18n();
    let resource = LocalResource::new(|| async { load_host_info().await });
    let renaming = RwSignal::new(false);
    with_data(resource, move |info| {
        let name = info.name.clone();
        view! {
            <dl class="facts">
                <dt>{move || i18n.t().host_name}</dt>
                <dd>
                    <span data-testid="host-name">{name.clone()}</span>
                    " "
                    <button class="pen" aria-label=move || i18n.t().rename_host title=move || i18n.t().rename_host on:click=move |_| renaming.set(true)>
                        "✎"
                    </button>
                </dd>
                <dt>{move || i18n.t().public_url}</dt><dd>{info.public_url}</dd>
                <dt>{move || i18n.t().version}</dt><dd>{info.version}</dd>
                <dt>{move || i18n.t().database}</dt><dd>{info.database}</dd>
            </dl>
            <SenderRules policy=info.account_senders.clone() on_saved=Callback::new(move |()| resource.refetch())/>
            {move || renaming.get().then(|| view! {
                <RenameHost current=name.clone() on_done=Callback::new(move |renamed: bool| {
                    renaming.set(false);
                    if renamed {
                        resource.refetch();
                    }
                })/>
            })}
        }
    })
}

/// The dialog behind the pen: the new name, then Confirm (or Cancel).
#[component]
fn RenameHost(current: String, on_done: Callback<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(current);
    let save = Action::new_local(|name: &String| {
        let name = name.clone();
        async move { rename_host(name).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_done.run(true);
        }
    });
    let problem = Signal::derive(move || AccountName::parse(&name.get()).err().map(|_| i18n.t().host_name_required.to_owned()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if AccountName::parse(&name.get_untracked()).is_ok() {
            save.dispatch(name.get_untracked());
        }
    };
    view! {
        <div class="dialog" role="dialog" aria-labelledby="rename-host-title" data-testid="rename-host">
            <form on:submit=on_submit novalidate=true>
                <h2 id="rename-host-title">{move || i18n.t().rename_host}</h2>
                <p>{move || i18n.t().rename_host_intro}</p>
                <Field label=Signal::derive(move || i18n.t().host_name) name="host-name" value=name problem=problem/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get() || problem.get().is_some()>
                        {move || if save.pending().get() { i18n.t().saving } else { i18n.t().confirm }}
                    </button>
                    <button type="button" on:click=move |_| on_done.run(false)>{move || i18n.t().cancel}</button>
                </div>
                {move || save.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
            </form>
        </div>
    }
}

/// Account senders: whether account admins may set their own account's,
/// and the domains a sender may use (comma-separated; empty: any).
#[component]
fn SenderRules(policy: SenderPolicy, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let may_set = RwSignal::new(policy.account_admins_may_set);
    let domains = RwSignal::new(policy.domains.join(", "));
    let save = Action::new_local(|(may_set, domains): &(bool, String)| {
        let list: Vec<String> = domains.split(',').map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect();
        let may_set = *may_set;
        async move { update_sender_policy(may_set, list).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_saved.run(());
        }
    });
    let problem = Signal::derive(move || save.value().get().and_then(Result::err).and_then(|AppError(e)| e.fields.get("account_sender_domains").cloned()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((may_set.get_untracked(), domains.get_untracked()));
    };
    view! {
        <form class="inline-form" on:submit=on_submit data-testid="sender-rules">
            <h2>{move || i18n.t().account_senders_title}</h2>
            <p class="hint">{move || i18n.t().account_senders_intro}</p>
            <div class="switch">
                <input type="checkbox" id="field-admins-may-set-sender" prop:checked=may_set on:change=move |ev| may_set.set(event_target_checked(&ev))/>
                <label for="field-admins-may-set-sender">{move || i18n.t().admins_may_set_sender}</label>
            </div>
            <Field label=Signal::derive(move || i18n.t().sender_domains_label) name="sender-domains" value=domains problem=problem
                help=Signal::derive(move || i18n.t().sender_domains_help)/>
            <button type="submit" class="primary" disabled=move || save.pending().get()>{move || i18n.t().save}</button>
            {move || save.value().get().and_then(Result::err).filter(|AppError(e)| e.fields.is_empty()).map(|AppError(e)| view! { <ErrorNote error=e/> })}
        </form>
    }
}
