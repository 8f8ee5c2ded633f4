//! "Invite a new user": an address, a user type and, for account roles, the
//! account. The server creates the pending user and the link; the page then
//! shows the link.

use super::super::verdict::Verdict;
use super::super::widgets::{ErrorNote, Field, Loading};
use super::link_panel::IssuedLink;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::server_fns::invite_user;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::{AccountSummary, ErrorCode, Me};
use shared::invite::InviteRequest;
use shared::{EmailAddress, Role};

#[component]
pub fn InviteForm(accounts: LocalResource<Result<Vec<AccountSummary>, AppError>>, on_invited: Callback<IssuedLink>, on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let me = expect_context::<Me>();
    // The roles this admin may hand out: account admins, their account's only.
    let offered = super::roles_offered(&me);
    // The type that grants the least: host user, or for an account admin, account user.
    let role = RwSignal::new(if me.role == Role::AccountAdmin { Role::AccountUser } else { Role::HostUser });
    // An account admin's invitations go to their own account.
    let account = RwSignal::new(if me.role == Role::AccountAdmin { me.account_id } else { None });
    // Their emails' language: the inviter's own, unless changed.
    let language = RwSignal::new(i18n.lang.get_untracked());
    let needs_account = Memo::new(move |_| role.get().needs_account());
    let account_id = move || if needs_account.get() { account.get() } else { None };
    let verdict = Verdict::<InviteRequest>::new();
    let invite = Action::new_local(move |req: &InviteRequest| {
        let req = req.clone();
        async move {
            let result = invite_user(req.clone()).await.map_err(|e| e.0);
            verdict.answer(req, &result);
            result
        }
    });
    // In an effect, not in the action: the callback must not run after the page has gone.
    Effect::new(move || {
        if let Some(Ok(made)) = invite.value().get() {
            on_invited.run(IssuedLink::invitation(made));
        }
    });
    let error = move || invite.value().get().and_then(Result::err);
    // The server's word on a field holds while the form still asks what it judged.
    let said = move |field: &str, still: fn(&InviteRequest, &str, Role, Option<i64>) -> bool| {
        let msg = verdict.on(field, |asked| still(asked, &email.get(), role.get(), account_id()))?;
        let in_use = field == "email" && verdict.error().is_some_and(|e| e.code == ErrorCode::Conflict);
        Some(if in_use { i18n.t().email_in_use.to_owned() } else { msg })
    };
    let email_problem = Signal::derive(move || {
        let v = email.get();
        (!v.is_empty())
            .then(|| EmailAddress::parse(&v).err().map(|e| i18n.t().email_error(e)))
            .flatten()
            .or_else(|| said("email", |s, email, _, _| s.email == email))
    });
    let role_problem = Signal::derive(move || said("role", |s, _, role, _| s.role == role));
    let account_problem = Signal::derive(move || said("account_id", |s, _, _, account| s.account_id == account));
    let ready = move || EmailAddress::parse(&email.get()).is_ok() && (!needs_account.get() || account.get().is_some());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            let email = email.get_untracked().trim().to_owned();
            invite.dispatch(InviteRequest { email, role: role.get_untracked(), account_id: account_id(), language: Some(language.get_untracked()) });
        }
    };
    view! {
        <section class="panel" data-testid="invite-panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">{move || i18n.t().invite_user}</h2>
            <form class="invite" on:submit=on_submit novalidate=true>
                <Field label=Signal::derive(move || i18n.t().email) name="email" kind="email" value=email problem=email_problem/>
                <div class="field" class:invalid=move || role_problem.get().is_some()>
                    <label for="field-role">{move || i18n.t().user_type}</label>
                    <select
                        id="field-role"
                        name="role"
                        aria-describedby="field-role-error"
                        on:change=move |ev| {
                            if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                role.set(r);
                            }
                        }
                    >
                        {offered
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{move || i18n.t().role(r)}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" id="field-role-error">{move || role_problem.get()}</p>
                </div>
                {move || needs_account.get().then(|| view! { <AccountChoice accounts account problem=account_problem/> })}
                <div class="field">
                    <label for="field-language">{move || i18n.t().email_language}</label>
                    <select id="field-language" on:change=move |ev| {
                        if let Some(l) = shared::Language::from_code(&event_target_value(&ev)) {
                            language.set(l);
                        }
                    }>
                        {shared::Language::ALL.into_iter().map(|l| view! {
                            <option value=l.code() selected=move || language.get() == l>{crate::i18n::texts(l).language_name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || invite.pending().get() || !ready()>
                        {move || if invite.pending().get() { i18n.t().inviting } else { i18n.t().continue_ }}
                    </button>
                    <button type="button" on:click=move |_| on_cancel.run(())>{move || i18n.t().cancel}</button>
                </div>
                // Always the general note too, as on the other forms: a field's
                // complaint vanishes once the field is edited, and the note says what happened.
                {move || error().map(|e| view! { <ErrorNote error=e/> })}
            </form>
        </section>
    }
}

/// The account an account role belongs to. Without any account there is
/// nothing to choose, so the form says where to make one.
#[component]
fn AccountChoice(
    accounts: LocalResource<Result<Vec<AccountSummary>, AppError>>,
    account: RwSignal<Option<i64>>,
    problem: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || match accounts.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorNote error=e.0/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <p class="hint" data-testid="no-accounts">
                {move || i18n.t().no_accounts_yet}" "
                <A href="/accounts">{move || i18n.t().create_account_first}</A>
            </p>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <div class="field" class:invalid=move || problem.get().is_some()>
                <label for="field-account">{move || i18n.t().account}</label>
                <select
                    id="field-account"
                    name="account"
                    aria-describedby="field-account-error"
                    on:change=move |ev| account.set(event_target_value(&ev).parse().ok())
                >
                    // No account is picked for the admin: inviting into the wrong one would leak its data.
                    <option value="" disabled=true selected=move || account.get().is_none()>{move || i18n.t().choose_account}</option>
                    {list
                        .into_iter()
                        .map(|a| view! { <option value=a.id.to_string() selected=move || account.get() == Some(a.id)>{a.name}</option> })
                        .collect_view()}
                </select>
                <p class="field-error" id="field-account-error">{move || problem.get()}</p>
            </div>
        }
        .into_any(),
    }
}
