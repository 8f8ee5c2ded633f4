//! Host settings → Email activity: every invitation and reset email and where
//! it is in delivery, newest first a page at a time, found by a part of the
//! recipient, a state and a kind, with Retry and Discard. The delivery worker
//! moves emails along without the page asking, so the list reloads itself
//! while open.

mod table;

use super::widgets::{every, ErrorNote, FilterSelect, LoadMore, Loading};
use crate::i18n::use_i18n;
use crate::server_fns::{discard_email, list_emails, retry_email};
use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::ApiError;
use shared::outbox::{EmailFilter, EmailSummary};
use std::time::Duration;

/// How often the list reloads while the page is open.
const POLL: Duration = Duration::from_secs(5);

/// A row action on one email.
#[derive(Debug, Clone, Copy)]
pub enum RowAction {
    Retry(i64),
    Discard(i64),
}

impl RowAction {
    async fn send(self) -> Result<(), ApiError> {
        match self {
            RowAction::Retry(id) => retry_email(id).await,
            RowAction::Discard(id) => discard_email(id).await,
        }
        .map(|_| ())
        .map_err(|e| e.0)
    }
}

/// What stands where the list goes.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Loading,
    Failed(ApiError),
    Ready,
}

#[component]
pub fn EmailsPage() -> impl IntoView {
    let i18n = use_i18n();
    // The default: every email.
    let filter = RwSignal::new(EmailFilter::default());
    // Reading the filter here is what makes choosing another one reload the list.
    let emails = LocalResource::new(move || {
        let wanted = filter.get();
        async move { list_emails(wanted, None).await }
    });
    // Older pages that "Load more" added, and where the next one starts.
    let more = RwSignal::new(Vec::<EmailSummary>::new());
    let next = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(page)) = emails.get() {
            // A fresh first page (a new filter, or a refresh with nothing older shown) starts over.
            if more.with_untracked(Vec::is_empty) {
                next.set(page.next_cursor);
            }
        }
    });
    let load_more = Action::new_local(move |_: &()| {
        let (wanted, cursor) = (filter.get_untracked(), next.get_untracked());
        async move {
            let page = list_emails(wanted, cursor).await?;
            more.update(|m| m.extend(page.items));
            next.set(page.next_cursor);
            Ok::<(), crate::error::AppError>(())
        }
    });
    // A new filter starts over from the newest.
    Effect::new(move || {
        filter.track();
        more.set(Vec::new());
    });
    // Memos, so that a poll bringing the same list (most of them) leaves the
    // DOM alone: no flicker, and a button under the pointer or focus stays put.
    let phase = Memo::new(move |_| match emails.get() {
        None => Phase::Loading,
        Some(Ok(_)) => Phase::Ready,
        Some(Err(e)) => Phase::Failed(e.0),
    });
    let rows = Memo::new(move |_| {
        let mut rows = emails.get().and_then(Result::ok).map(|page| page.items).unwrap_or_default();
        // Older pages continue below the newest (never the same email twice).
        let oldest = rows.last().map_or(i64::MAX, |e| e.id);
        more.with(|m| rows.extend(m.iter().filter(|e| e.id < oldest).cloned()));
        rows
    });
    let any_held = Memo::new(move |_| rows.with(|list| list.iter().any(|e| e.held)));
    let action = Action::new_local(move |act: &RowAction| {
        let act = *act;
        async move {
            let result = act.send().await;
            // Also after a failure: a 409 means the email moved on meanwhile.
            emails.refetch();
            result.err()
        }
    });
    let on_action = Callback::new(move |act: RowAction| {
        action.dispatch(act);
    });
    let busy = action.pending();
    let filtered = Signal::derive(move || filter.with(|f| *f != EmailFilter::default()));
    // Polling keeps the newest page live; while older pages are shown, it
    // pauses, so that what is being read does not shift underneath.
    every(POLL, move || {
        if more.with_untracked(Vec::is_empty) {
            emails.refetch();
        }
    });
    view! {
        <h2>{move || i18n.t().emails_title}</h2>
        <p>{move || i18n.t().emails_intro}</p>
        <EmailSearch filter on_refresh=Callback::new(move |()| emails.refetch())/>
        {move || any_held.get().then(|| view! {
            <p class="note" data-testid="held-note">
                {move || i18n.t().emails_held_note}" "
                <A href="/settings/smtp">{move || i18n.t().nav_smtp}</A>
            </p>
        })}
        {move || action.value().get().flatten().map(|e| view! { <ErrorNote error=e/> })}
        {move || match phase.get() {
            Phase::Loading => view! { <Loading/> }.into_any(),
            Phase::Failed(e) => view! { <ErrorNote error=e/> }.into_any(),
            Phase::Ready => view! { <table::EmailTable rows filtered on_action busy/> }.into_any(),
        }}
        <LoadMore
            has_more=Signal::derive(move || next.with(Option::is_some))
            pending=load_more.pending()
            on_load=Callback::new(move |()| { load_more.dispatch(()); })
            error=Signal::derive(move || load_more.value().get().and_then(Result::err).map(|e| e.0))
        />
    }
}

/// The list's filters: a state and a kind apply as soon as they are
/// chosen; a part of the recipient when the form is sent (Enter, or Filter).
#[component]
fn EmailSearch(filter: RwSignal<EmailFilter>, on_refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let recipient = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = recipient.get_untracked().trim().to_owned();
        filter.update(|f| f.recipient = (!text.is_empty()).then_some(text));
    };
    view! {
        <form class="actions toolbar" role="search" on:submit=on_submit>
            <div class="field">
                <label for="email-recipient">{move || i18n.t().search_recipient}</label>
                <input id="email-recipient" type="search" prop:value=move || recipient.get() on:input=move |ev| recipient.set(event_target_value(&ev))/>
            </div>
            <FilterSelect
                id="email-status"
                label=|t| t.col_status
                chosen=Signal::derive(move || filter.with(|f| f.status))
                on_pick=Callback::new(move |status| filter.update(|f| f.status = status))
            />
            <FilterSelect
                id="email-kind"
                label=|t| t.col_kind
                chosen=Signal::derive(move || filter.with(|f| f.kind))
                on_pick=Callback::new(move |kind| filter.update(|f| f.kind = kind))
            />
            <button type="submit">{move || i18n.t().apply_filter}</button>
            <button type="button" on:click=move |_| on_refresh.run(())>{move || i18n.t().refresh}</button>
        </form>
    }
}
