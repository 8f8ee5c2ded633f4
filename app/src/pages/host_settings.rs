//! Host settings (host admins only): the instance itself, with one sub-page
//! per subject. The heading and sub-navigation stay while the sub-pages change.

use super::shell::with_data;
use crate::i18n::use_i18n;
use crate::server_fns::load_host_info;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

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

/// `/settings`: facts about the running instance.
#[component]
pub fn HostOverview() -> impl IntoView {
    let i18n = use_i18n();
    let info = LocalResource::new(|| async { load_host_info().await });
    with_data(info, move |info| {
        view! {
            <dl class="facts">
                <dt>{move || i18n.t().public_url}</dt><dd>{info.public_url}</dd>
                <dt>{move || i18n.t().version}</dt><dd>{info.version}</dd>
                <dt>{move || i18n.t().database}</dt><dd>{info.database}</dd>
            </dl>
        }
    })
}
