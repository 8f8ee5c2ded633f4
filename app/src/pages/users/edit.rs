//! Users → Edit: a user's role (within what the caller may hand out), disable
//! or enable, and remove, each answered by the server, which applies the same
//! rules (and keeps the last active host admin).

use super::super::widgets::ErrorNote;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::{delete_user, update_user};
use leptos::prelude::*;
use shared::api::{AccountSummary, Me, UserStatus, UserSummary, UserUpdate};
use shared::Role;

#[component]
pub fn EditUser(user: UserSummary, accounts: Signal<Vec<AccountSummary>>, on_done: Callback<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<Me>();
    let id = user.id;
    let role = RwSignal::new(user.role);
    let account = RwSignal::new(user.account_id.or(me.account_id));
    let offered = super::roles_offered(&me);
    let disabled = user.status == UserStatus::Disabled;
    let confirming_remove = RwSignal::new(false);
    let save = Action::new_local(move |change: &UserUpdate| {
        let change = change.clone();
        async move { update_user(id, change).await.map(|_| ()) }
    });
    let remove = Action::new_local(move |_: &()| async move { delete_user(id).await });
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(()))) {
            on_done.run(true);
        }
    });
    let error = move || save.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err)).map(|AppError(e)| e);
    let busy = move || save.pending().get() || remove.pending().get();
    let save_role = move |_| {
        let r = role.get_untracked();
        save.dispatch(UserUpdate { role: Some(r), account_id: if r.needs_account() { account.get_untracked() } else { None }, disabled: None });
    };
    let email = user.email.to_string();
    let role_form = view! {
            <div class="inline-form">
                <div class="field">
                    <label for=format!("edit-role-{id}")>{move || i18n.t().user_type}</label>
                    <select id=format!("edit-role-{id}") on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }>
                        {offered.into_iter().map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{move || i18n.t().role(r)}</option> }).collect_view()}
                    </select>
                </div>
                {move || (role.get().needs_account() && me.role == Role::HostAdmin).then(|| view! {
                    <div class="field">
                        <label for=format!("edit-account-{id}")>{move || i18n.t().col_account}</label>
                        <select id=format!("edit-account-{id}") on:change=move |ev| account.set(event_target_value(&ev).parse().ok())>
                            <option value="" selected=move || account.get().is_none()>{move || i18n.t().choose_account}</option>
                            {move || accounts.get().into_iter().map(|a| view! {
                                <option value=a.id.to_string() selected=move || account.get() == Some(a.id)>{a.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <button class="primary" on:click=save_role disabled=busy>{move || i18n.t().save}</button>
            </div>
    }
    .into_any();
    let lifecycle = view! {
            <div class="actions">
                {if disabled {
                    view! { <button on:click=move |_| { save.dispatch(UserUpdate { disabled: Some(false), ..Default::default() }); } disabled=busy>{move || i18n.t().enable_user}</button> }.into_any()
                } else {
                    view! { <button on:click=move |_| { save.dispatch(UserUpdate { disabled: Some(true), ..Default::default() }); } disabled=busy>{move || i18n.t().disable_user}</button> }.into_any()
                }}
                {move || if confirming_remove.get() {
                    view! {
                        <span role="status">{move || i18n.t().remove_confirm}</span>
                        <button class="danger" on:click=move |_| { remove.dispatch(()); } disabled=busy>{move || i18n.t().remove_yes}</button>
                        <button on:click=move |_| confirming_remove.set(false)>{move || i18n.t().cancel}</button>
                    }.into_any()
                } else {
                    view! { <button on:click=move |_| confirming_remove.set(true)>{move || i18n.t().remove_user}</button> }.into_any()
                }}
                <button on:click=move |_| on_done.run(false)>{move || i18n.t().close}</button>
            </div>
    }
    .into_any();
    view! {
        <section class="panel edit-user" data-testid="edit-user" aria-label=move || (i18n.t().edit_user)(&email)>
            {role_form}
            {lifecycle}
            {move || error().map(|e| view! { <ErrorNote error=e/> })}
        </section>
    }
    .into_any()
}
