//! The list of users, with one link action per row: a new invitation link
//! while the user is pending, a password reset link once they are active.
//! A pending user whose invitation email has not gone out gets a line saying
//! so beneath, with the link to copy for those who manage them.

use super::super::copy_field::CopyField;
use super::LinkRequest;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use shared::api::{AccountSummary, Me, UnsentInvitation, UserStatus, UserSummary};

#[component]
pub fn UserTable(
    users: Vec<UserSummary>,
    accounts: Signal<Vec<AccountSummary>>,
    on_link: Callback<LinkRequest>,
    on_changed: Callback<()>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    if users.is_empty() {
        return view! { <p class="empty">{move || i18n.t().users_empty}</p> }.into_any();
    }
    view! {
        <table class="data" data-testid="users-table">
            <thead>
                <tr>
                    <th>{move || i18n.t().col_email}</th>
                    <th>{move || i18n.t().col_role}</th>
                    <th>{move || i18n.t().col_account}</th>
                    <th>{move || i18n.t().col_status}</th>
                    <th>{move || i18n.t().col_last_email}</th>
                    <th><span class="visually-hidden">{move || i18n.t().col_actions}</span></th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! { <UserRow user accounts on_link on_changed busy/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn UserRow(
    user: UserSummary,
    accounts: Signal<Vec<AccountSummary>>,
    on_link: Callback<LinkRequest>,
    on_changed: Callback<()>,
    busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<Me>();
    let managed = super::manages(&me, user.role, user.account_id);
    let editing = RwSignal::new(false);
    let edited = user.clone();
    let UserSummary { id, email, role, account_id, status, last_email, invitation } = user;
    let email = email.to_string();
    let unsent = invitation.filter(|_| status == UserStatus::Pending).map(|unsent| {
        let UnsentInvitation { email: state, held, link } = unsent;
        // The server sends the link only to those who manage this user.
        let copy = link.map(|link| {
            view! {
                <p>{move || i18n.t().unsent_copy}</p>
                <CopyField label=Signal::derive(move || i18n.t().invitation_link) id=format!("unsent-link-{id}") testid="unsent-link" value=link quiet=true/>
            }
            .into_any()
        });
        view! {
            <tr class="unsent-row" data-testid="unsent-invitation" data-email=email.clone()><td colspan="6">
                <p class="note" data-testid="unsent-reason">{move || i18n.t().unsent_invitation(state, held)}</p>
                {copy}
            </td></tr>
        }
        .into_any()
    });
    let account =
        move || account_id.and_then(|id| accounts.with(|list| list.iter().find(|a| a.id == id).map(|a| a.name.clone()))).unwrap_or_else(|| "—".into());
    // One action per state: only a pending user can use an invitation, only
    // an active one has a password to reset.
    let action = match status {
        UserStatus::Pending => {
            let req = LinkRequest::NewInvitation { user_id: id, email: email.clone() };
            view! {
                <button on:click=move |_| on_link.run(req.clone()) disabled=move || busy.get()>
                    {move || i18n.t().generate_invite_link}
                </button>
            }
            .into_any()
        }
        UserStatus::Active => {
            let req = LinkRequest::Reset { user_id: id, email: email.clone() };
            view! {
                <button on:click=move |_| on_link.run(req.clone()) disabled=move || busy.get()>
                    {move || i18n.t().reset_password}
                </button>
            }
            .into_any()
        } // A disabled user gets no link until enabled again.
        UserStatus::Disabled => ().into_any(),
    };
    view! {
        <tr>
            <td>{email}</td>
            <td>{move || i18n.t().role(role)}</td>
            <td>{account}</td>
            <td data-testid="status">{move || i18n.t().status(status)}</td>
            <td data-testid="last-email">{move || i18n.t().last_email(last_email)}</td>
            <td class="row-actions">
                {managed.then(|| view! {
                    {action}
                    <button on:click=move |_| editing.update(|e| *e = !*e) aria-expanded=move || editing.get().to_string()>{move || i18n.t().edit}</button>
                }.into_any())}
            </td>
        </tr>
        {unsent}
        {move || editing.get().then(|| view! {
            <tr class="edit-row"><td colspan="6">
                <super::edit::EditUser user=edited.clone() accounts on_done=Callback::new(move |changed: bool| {
                    editing.set(false);
                    if changed {
                        on_changed.run(());
                    }
                })/>
            </td></tr>
        }.into_any())}
    }
    .into_any()
}
