//! Users: everyone on the instance, with role, account and status (host admins).

use super::shell::with_data;
use crate::i18n::use_i18n;
use crate::server_fns::{list_accounts, list_users};
use leptos::prelude::*;
use shared::api::{AccountSummary, UserSummary};

#[component]
pub fn Users() -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(|| async {
        let users = list_users().await?;
        let accounts = list_accounts().await?;
        Ok((users, accounts))
    });
    view! {
        <h1>{move || i18n.t().users_title}</h1>
        {with_data(data, move |(users, accounts)| view! { <UserTable users accounts/> })}
    }
}

#[component]
fn UserTable(users: Vec<UserSummary>, accounts: Vec<AccountSummary>) -> impl IntoView {
    let i18n = use_i18n();
    if users.is_empty() {
        return view! { <p class="empty">{move || i18n.t().users_empty}</p> }.into_any();
    }
    let account_name = move |id: Option<i64>| {
        id.and_then(|id| accounts.iter().find(|a| a.id == id).map(|a| a.name.clone())).unwrap_or_else(|| "—".into())
    };
    view! {
        <table class="data" data-testid="users-table">
            <thead>
                <tr>
                    <th>{move || i18n.t().col_email}</th>
                    <th>{move || i18n.t().col_role}</th>
                    <th>{move || i18n.t().col_account}</th>
                    <th>{move || i18n.t().col_status}</th>
                </tr>
            </thead>
            <tbody>
                {users
                    .into_iter()
                    .map(|u| {
                        let (role, status) = (u.role, u.status);
                        view! {
                            <tr>
                                <td>{u.email.to_string()}</td>
                                <td>{move || i18n.t().role(role)}</td>
                                <td>{account_name(u.account_id)}</td>
                                <td>{move || i18n.t().status(status)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
