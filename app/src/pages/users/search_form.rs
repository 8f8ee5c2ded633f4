//! Users → search: a part of the address, a role, a state. Applied on
//! submit (the list then starts again from its first page).

use crate::i18n::use_i18n;
use crate::pages::widgets::FilterSelect;
use leptos::prelude::*;
use shared::api::{UserFilter, UserStatus};
use shared::Role;

#[component]
pub fn UserSearch(filter: RwSignal<UserFilter>) -> impl IntoView {
    let i18n = use_i18n();
    let q = RwSignal::new(String::new());
    let role = RwSignal::new(None::<Role>);
    let status = RwSignal::new(None::<UserStatus>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = q.get_untracked().trim().to_owned();
        filter.set(UserFilter { q: (!text.is_empty()).then_some(text), role: role.get_untracked(), status: status.get_untracked(), account_id: None });
    };
    view! {
        <form class="actions toolbar" role="search" on:submit=on_submit>
            <div class="field">
                <label for="user-search">{move || i18n.t().search_users}</label>
                <input id="user-search" type="search" prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
            </div>
            <FilterSelect id="user-role-filter" label=|t| t.col_role chosen=role on_pick=Callback::new(move |r| role.set(r))/>
            <FilterSelect id="user-status-filter" label=|t| t.col_status chosen=status on_pick=Callback::new(move |s| status.set(s))/>
            <button type="submit">{move || i18n.t().apply_filter}</button>
        </form>
    }
}
