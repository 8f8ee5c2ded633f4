//! Host settings (host admins only): the instance itself. Its sub-pages
//! (SMTP configuration first) are added here as they are built.

use super::shell::with_data;
use crate::i18n::use_i18n;
use crate::server_fns::load_host_info;
use leptos::prelude::*;

#[component]
pub fn HostSettings() -> impl IntoView {
    let i18n = use_i18n();
    let info = LocalResource::new(|| async { load_host_info().await });
    view! {
        <h1>{move || i18n.t().host_settings_title}</h1>
        <p>{move || i18n.t().host_settings_intro}</p>
        {with_data(info, move |info| view! {
            <dl class="facts">
                <dt>{move || i18n.t().public_url}</dt><dd>{info.public_url}</dd>
                <dt>{move || i18n.t().version}</dt><dd>{info.version}</dd>
                <dt>{move || i18n.t().database}</dt><dd>{info.database}</dd>
            </dl>
        })}
    }
}
