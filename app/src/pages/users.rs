//! Users: everyone on the instance, with role, account, status and what
//! became of their last email (host admins). Host admins invite people here,
//! and hand out a fresh invitation link (pending users) or a password reset
//! link (active users). Every link is shown to copy, since with SMTP off
//! copying it is the only way it reaches anyone.

mod edit;
mod invite_form;
mod link_panel;
mod search_form;
mod table;

/// Whether `me` may manage a user in `role` and `account_id`: the same rule
/// the server applies (`Caller::manages`); here it only decides which
/// buttons to show.
pub fn manages(me: &Me, role: Role, account_id: Option<i64>) -> bool {
    match me.role {
        Role::HostAdmin => true,
        Role::AccountAdmin => role.needs_account() && account_id.is_some() && account_id == me.account_id,
        Role::HostUser | Role::AccountUser => false,
    }
}

/// The roles `me` may hand out (in the invite and edit dialogs): every one
/// for a host admin, an account admin's own account's roles for them.
pub fn roles_offered(me: &Me) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| manages(me, *r, if r.needs_account() { me.account_id } else { None })).collect()
}

use super::shell::with_data;
use super::widgets::{ErrorNote, LoadMore};
use crate::i18n::use_i18n;
use crate::server_fns::{list_accounts, list_users, make_reset_link, regenerate_invitation};
use leptos::prelude::*;
use link_panel::{IssuedLink, LinkPanel};
use shared::api::{ApiError, Me, UserFilter, UserSummary};
use shared::Role;

/// A row action: a fresh link for one user. The address travels along so the
/// result can name it without looking the user up again.
#[derive(Debug, Clone)]
enum LinkRequest {
    NewInvitation { user_id: i64, email: String },
    Reset { user_id: i64, email: String },
}

impl LinkRequest {
    async fn send(self) -> Result<IssuedLink, ApiError> {
        match self {
            LinkRequest::NewInvitation { user_id, email } => {
                let made = regenerate_invitation(user_id).await.map_err(|e| e.0)?;
                Ok(IssuedLink::new_invitation(email, made))
            }
            LinkRequest::Reset { user_id, email } => {
                let made = make_reset_link(user_id).await.map_err(|e| e.0)?;
                Ok(IssuedLink::reset(email, made))
            }
        }
    }
}

#[component]
pub fn Users() -> impl IntoView {
    let i18n = use_i18n();
    // The filter in force (the search form sets it), its first page, and the pages "Load more" added.
    let filter = RwSignal::new(UserFilter::default());
    let users = LocalResource::new(move || {
        let wanted = filter.get();
        async move { list_users(wanted, None).await }
    });
    let more = RwSignal::new(Vec::<UserSummary>::new());
    let next = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(page)) = users.get() {
            more.set(Vec::new());
            next.set(page.next_cursor);
        }
    });
    let load_more = Action::new_local(move |_: &()| {
        let (wanted, cursor) = (filter.get_untracked(), next.get_untracked());
        async move {
            let page = list_users(wanted, cursor).await?;
            more.update(|m| m.extend(page.items));
            next.set(page.next_cursor);
            Ok::<(), crate::error::AppError>(())
        }
    });
    let accounts = LocalResource::new(|| async { list_accounts().await });
    let account_list = Signal::derive(move || accounts.get().and_then(Result::ok).unwrap_or_default());
    let inviting = RwSignal::new(false);
    // The link made last, by an invitation or a row action; shown until closed or replaced.
    let issued = RwSignal::new(None::<IssuedLink>);
    let row_action = Action::new_local(move |req: &LinkRequest| {
        let req = req.clone();
        async move {
            match req.send().await {
                Ok(link) => {
                    issued.set(Some(link));
                    // The status or last-email column may have changed.
                    users.refetch();
                    None
                }
                Err(e) => Some(e),
            }
        }
    });
    let on_link = Callback::new(move |req: LinkRequest| {
        issued.set(None);
        row_action.dispatch(req);
    });
    let on_invited = Callback::new(move |link: IssuedLink| {
        inviting.set(false);
        issued.set(Some(link));
        // The new user appears, as pending.
        users.refetch();
    });
    let open_invite = move |_| {
        // A link left over from before would read as if it belonged to the new invitation.
        issued.set(None);
        inviting.set(true);
    };
    let busy = row_action.pending();
    let me = expect_context::<Me>();
    let may_invite = matches!(me.role, Role::HostAdmin | Role::AccountAdmin);
    let on_changed = Callback::new(move |()| users.refetch());
    view! {
        <h1>{move || i18n.t().users_title}</h1>
        {move || if !may_invite {
            ().into_any()
        } else if inviting.get() {
            view! { <invite_form::InviteForm accounts on_invited on_cancel=Callback::new(move |()| inviting.set(false))/> }.into_any()
        } else {
            view! {
                <div class="actions page-actions">
                    <button class="primary" on:click=open_invite>{move || i18n.t().invite_user}</button>
                </div>
            }.into_any()
        }}
        {move || issued.get().map(|link| view! { <LinkPanel link on_close=Callback::new(move |()| issued.set(None))/> })}
        {move || row_action.value().get().flatten().map(|e| view! { <ErrorNote error=e/> })}
        <search_form::UserSearch filter/>
        {with_data(users, move |page| {
            let mut users = page.items;
            users.extend(more.get());
            view! { <table::UserTable users accounts=account_list on_link on_changed busy/> }
        })}
        <LoadMore
            has_more=Signal::derive(move || next.with(Option::is_some))
            pending=load_more.pending()
            on_load=Callback::new(move |()| { load_more.dispatch(()); })
            error=Signal::derive(move || load_more.value().get().and_then(Result::err).map(|e| e.0))
        />
    }
}
