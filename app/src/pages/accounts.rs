//! Accounts: the advertisers and partners this host serves. Host admins create
//! and rename them here, so that account users can be invited into one, and
//! delete them (after typing the name) with their users. Each name opens the
//! account's page (`account.rs`).

use super::shell::with_data;
use super::widgets::{ErrorNote, Field};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{create_account, delete_account, list_accounts, rename_account};
use leptos::prelude::*;
use shared::account::AccountName;
use shared::api::{AccountSummary, Me};
use shared::Role;

#[component]
pub fn Accounts() -> impl IntoView {
    let i18n = use_i18n();
    let accounts = LocalResource::new(|| async { list_accounts().await });
    let refresh = move || accounts.refetch();
    view! {
        <h1>{move || i18n.t().accounts_title}</h1>
        <NewAccount on_created=refresh/>
        {with_data(accounts, move |accounts| {
            if accounts.is_empty() {
                view! { <p class="empty">{move || i18n.t().accounts_empty}</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-testid="accounts-table">
                        <thead><tr><th>{move || i18n.t().col_name}</th><th></th></tr></thead>
                        <tbody>
                            {accounts.into_iter().map(|a| view! { <AccountRow account=a on_renamed=refresh/> }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }
        })}
    }
}

/// The name's problem, once something has been typed.
fn name_problem(name: RwSignal<String>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let v = name.get();
        (!v.is_empty() && AccountName::parse(&v).is_err()).then(|| i18n.t().account_name_required.to_owned())
    })
}

#[component]
fn NewAccount(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let create = Action::new_local(|name: &String| {
        let name = name.clone();
        async move { create_account(name).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            on_created();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if AccountName::parse(&name.get_untracked()).is_ok() {
            create.dispatch(name.get_untracked());
        }
    };
    view! {
        <form class="inline-form" on:submit=on_submit>
            <h2>{move || i18n.t().new_account}</h2>
            <Field label=Signal::derive(move || i18n.t().account_name) name="account-name" value=name problem=name_problem(name)/>
            <button type="submit" class="primary" disabled=move || create.pending().get() || AccountName::parse(&name.get()).is_err()>
                {move || i18n.t().create_account}
            </button>
            {move || create.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
        </form>
    }
}

#[component]
fn AccountRow(account: AccountSummary, on_renamed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let name = RwSignal::new(account.name.clone());
    let id = account.id;
    let rename = Action::new_local(move |name: &String| {
        let name = name.clone();
        async move { rename_account(id, name).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = rename.value().get() {
            editing.set(false);
            on_renamed();
        }
    });
    let current = account.name;
    // Host admins delete an account, after typing its name: its users go with it.
    let may_delete = expect_context::<Me>().role == Role::HostAdmin;
    let deleting = RwSignal::new(false);
    let dialog_name = current.clone();
    let delete_view = move || view! { <DeleteAccountDialog id name=dialog_name.clone() open=deleting on_deleted=on_renamed/> };
    view! {
        <tr>
            <td>
                {move || if editing.get() {
                    view! {
                        <Field label=Signal::derive(move || i18n.t().account_name) name=format!("account-{id}") value=name problem=name_problem(name)/>
                        {move || rename.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
                    }.into_any()
                } else {
                    view! { <a href=format!("/accounts/{id}")>{current.clone()}</a> }.into_any()
                }}
                {move || deleting.get().then(delete_view.clone())}
            </td>
            <td class="row-actions">
                {move || if editing.get() {
                    view! {
                        <button class="primary" disabled=move || rename.pending().get() on:click=move |_| { rename.dispatch(name.get_untracked()); }>
                            {move || i18n.t().save_name}
                        </button>
                        <button on:click=move |_| editing.set(false)>{move || i18n.t().cancel}</button>
                    }.into_any()
                } else {
                    view! {
                        <button on:click=move |_| editing.set(true)>{move || i18n.t().rename}</button>
                        {may_delete.then(|| view! {
                            <button class="danger" on:click=move |_| deleting.set(true)>{move || i18n.t().delete_account}</button>
                        })}
                    }.into_any()
                }}
            </td>
        </tr>
    }
}

/// The dialog that deletes account `id` once its `name` is typed (its users
/// go with it), shown while `open`; `on_deleted` runs after the server did
/// it. Accounts (a row) and the account's own page both open it.
#[component]
pub(super) fn DeleteAccountDialog(id: i64, name: String, open: RwSignal<bool>, on_deleted: impl Fn() + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let remove = Action::new_local(move |_: &()| async move { delete_account(id).await });
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            on_deleted();
        }
    });
    let confirmed = {
        let name = name.clone();
        move || typed.get().trim() == name
    };
    let confirm_text = move || (i18n.t().delete_account_confirm)(&name);
    view! {
        <div class="dialog" role="dialog" aria-labelledby=format!("delete-account-{id}-title") data-testid="delete-account">
            <p id=format!("delete-account-{id}-title")>{confirm_text}</p>
            <Field label=Signal::derive(move || i18n.t().delete_account_type_name) name=format!("delete-account-{id}") value=typed problem=Signal::derive(|| None::<String>)/>
            <div class="actions">
                <button class="danger" disabled=move || remove.pending().get() || !confirmed() on:click=move |_| { remove.dispatch(()); }>
                    {move || i18n.t().delete_account_yes}
                </button>
                <button on:click=move |_| open.set(false)>{move || i18n.t().cancel}</button>
            </div>
            {move || remove.value().get().and_then(Result::err).map(|AppError(e)| view! { <ErrorNote error=e/> })}
        </div>
    }
}
