//! Accounts: the advertisers and partners this host serves.

use super::shell::with_data;
use crate::i18n::use_i18n;
use crate::server_fns::list_accounts;
use leptos::prelude::*;

#[component]
pub fn Accounts() -> impl IntoView {
    let i18n = use_i18n();
    let accounts = LocalResource::new(|| async { list_accounts().await });
    view! {
        <h1>{move || i18n.t().accounts_title}</h1>
        {with_data(accounts, move |accounts| {
            if accounts.is_empty() {
                view! { <p class="empty">{move || i18n.t().accounts_empty}</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead><tr><th>{move || i18n.t().col_name}</th></tr></thead>
                        <tbody>
                            {accounts.into_iter().map(|a| view! { <tr><td>{a.name}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }
        })}
    }
}
