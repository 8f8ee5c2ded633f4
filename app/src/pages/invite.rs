//! `/invite/:token`: the link in an invitation. The invited person proves they
//! hold the address the link was made for, chooses a password, and is signed in.

use super::credentials::{confirm_problem, email_problem, password_problem, passwords_ready};
use super::link_page::LinkPage;
use super::verdict::Verdict;
use super::widgets::{local_time, ErrorNote, Field};
use crate::client;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use shared::api::{ApiError, ErrorCode, LinkEnd, Me};
use shared::invite::{AcceptInvitation, InvitationInfo};
use shared::EmailAddress;

#[component]
pub fn Invite() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <LinkPage
            title=Signal::derive(move || i18n.t().signup_title)
            status_route="/api/v1/invitations"
            live=|_: &InvitationInfo| true
            dead=|error| view! { <DeadLink error/> }.into_any()
            form=|token, gone, info: InvitationInfo| view! { <Invitation info/><SignupForm token gone/> }
        />
    }
}

/// Who invites, as what, into which account, and for which address: what
/// the email said, above the form.
#[component]
fn Invitation(info: InvitationInfo) -> impl IntoView {
    let i18n = use_i18n();
    let InvitationInfo { email, role, account, invited_by, expires_at } = info;
    let account = account.map(|a| a.name);
    let inviter = invited_by.map(|i| i.email);
    let expires = local_time(expires_at);
    view! {
        <div class="invitation" data-testid="invitation">
            <p data-testid="invited-as">{move || (i18n.t().invited_as)(inviter.as_deref(), (i18n.t().invite_role)(role), account.as_deref())}</p>
            <p>{move || (i18n.t().invited_address)(&email)}" "{move || (i18n.t().link_expires)(&expires)}</p>
        </div>
    }
}

/// The link no longer works: why (the server's `error.link`), and whom to ask.
#[component]
fn DeadLink(error: Option<ApiError>) -> impl IntoView {
    let i18n = use_i18n();
    let unknown = error.as_ref().is_some_and(|e| e.code == ErrorCode::NotFound);
    let link = error.and_then(|e| e.link);
    let reason = link.as_ref().map(|l| l.reason);
    let ask = link.and_then(|l| l.ask);
    let why = move || {
        let t = i18n.t();
        match reason {
            _ if unknown => t.invite_unknown,
            Some(LinkEnd::Used) => t.invite_used,
            Some(LinkEnd::Replaced) => t.invite_replaced,
            Some(LinkEnd::Revoked) => t.invite_revoked,
            Some(LinkEnd::Expired) => t.invite_expired,
            None => t.invite_link_dead,
        }
    };
    // Nobody to ask about a used link: its owner signs in.
    let whom = move || match &ask {
        Some(who) => (i18n.t().ask_for_link)(who),
        None => i18n.t().ask_admins.to_owned(),
    };
    let whom = (reason != Some(LinkEnd::Used) && !unknown).then_some(whom);
    view! {
        <p class="error" role="alert" data-testid="dead-link" data-reason=reason.map(|r| format!("{r:?}").to_lowercase())>{why}</p>
        {whom.map(|whom| view! { <p data-testid="ask-for-link">{whom}</p> })}
        <A href="/signin">{move || i18n.t().go_to_sign_in}</A>
    }
}

#[component]
fn SignupForm(token: String, gone: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let verdict = Verdict::<AcceptInvitation>::new();
    let submit = Action::new_local(move |req: &AcceptInvitation| {
        let (req, token) = (req.clone(), token.clone());
        async move {
            let result = client::post::<_, Me>(&format!("/api/v1/invitations/{token}/accept"), &req).await;
            verdict.answer(req, &result);
            result
        }
    });
    let error = move || submit.value().get().and_then(Result::err);
    // The server's only email complaint on a well-formed address: it is not
    // the one invited. Said in the user's language rather than the server's English.
    let email_problem = email_problem(email, move || verdict.on("email", |s| s.email == email.get()).map(|_| i18n.t().wrong_invite_email.to_owned()));
    let password_problem = password_problem(password, move || verdict.on("password", |s| s.password == password.get()));
    let confirm_problem = confirm_problem(password, confirm);
    let ready = move || EmailAddress::parse(&email.get()).is_ok() && passwords_ready(password, confirm);
    // Field problems show under their fields; anything else gets the general note.
    let note = move || {
        error().filter(|e| {
            let on_fields = e.code == ErrorCode::Validation && ["email", "password"].iter().any(|f| e.fields.contains_key(*f));
            e.code != ErrorCode::Gone && !on_fields
        })
    };
    Effect::new(move || {
        if error().is_some_and(|e| e.code == ErrorCode::Gone) {
            gone.set(true);
        }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        // Signed in now (the server set the cookie). Replace: the used link is no place to go back to.
        if let Some(Ok(_)) = submit.value().get() {
            navigate("/", NavigateOptions { replace: true, ..Default::default() });
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            submit.dispatch(AcceptInvitation { email: email.get_untracked(), password: password.get_untracked() });
        }
    };
    view! {
        <form on:submit=on_submit novalidate=true>
            <p>{move || i18n.t().signup_intro}</p>
            <Field label=Signal::derive(move || i18n.t().email) name="email" kind="email" autocomplete="username" value=email problem=email_problem/>
            <Field label=Signal::derive(move || i18n.t().password) name="password" kind="password" autocomplete="new-password" value=password problem=password_problem/>
            <Field label=Signal::derive(move || i18n.t().confirm_password) name="confirm" kind="password" autocomplete="new-password" value=confirm problem=confirm_problem/>
            <button type="submit" class="primary" disabled=move || submit.pending().get() || !ready()>
                {move || if submit.pending().get() { i18n.t().creating } else { i18n.t().create_my_account }}
            </button>
            {move || note().map(|e| view! { <ErrorNote error=e/> })}
        </form>
    }
}
