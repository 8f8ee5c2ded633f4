//! The list of emails, one row each, with the actions its state allows.

use super::super::widgets::local_time;
use super::RowAction;
use crate::i18n::{use_i18n, Texts};
use leptos::prelude::*;
use shared::outbox::{EmailStatus, EmailSummary};
use shared::smtp::RelayRole;

#[component]
pub fn EmailTable(
    rows: Memo<Vec<EmailSummary>>,
    /// A state is chosen: an empty list then says nothing about SMTP.
    filtered: Signal<bool>,
    on_action: Callback<RowAction>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    move || {
        if empty.get() {
            let text = move || if filtered.get() { i18n.t().emails_none_match } else { i18n.t().emails_empty };
            return view! { <p class="empty" data-testid="emails-empty">{text}</p> }.into_any();
        }
        view! {
            <table class="data emails" data-testid="emails-table">
                <thead>
                    <tr>
                        <th>{move || i18n.t().col_recipient}</th>
                        <th>{move || i18n.t().col_kind}</th>
                        <th>{move || i18n.t().col_state}</th>
                        <th>{move || i18n.t().col_attempts}</th>
                        <th>{move || i18n.t().col_last_error}</th>
                        <th>{move || i18n.t().col_created}</th>
                        <th>{move || i18n.t().col_sent}</th>
                        <th><span class="visually-hidden">{move || i18n.t().col_actions}</span></th>
                    </tr>
                </thead>
                <tbody>
                    // Keyed on everything a row shows: a row is rebuilt only when its email changed.
                    <For
                        each=move || rows.get()
                        key=|e| (e.id, e.status, e.attempts, e.last_error.clone(), e.sent_at, e.next_attempt_at, e.held, e.via)
                        children=move |email| view! { <EmailRow email on_action busy/> }
                    />
                </tbody>
            </table>
        }
        .into_any()
    }
}

#[component]
fn EmailRow(email: EmailSummary, on_action: Callback<RowAction>, busy: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let EmailSummary { id, kind, to, status, attempts, last_error, created_at, sent_at, next_attempt_at, held, via } = email;
    // What the server accepts from each state.
    let can_retry = status.can_retry();
    let can_discard = status.can_discard();
    // A held email waits for SMTP, not for a time: its next attempt would mislead.
    let next = next_attempt_at.filter(|_| status == EmailStatus::Retrying && !held).map(local_time);
    let state = move || if held { i18n.t().email_held } else { i18n.t().last_email(Some(status)) };
    // Said only of the fallback: the primary taking an email is the usual case.
    let by_fallback = status == EmailStatus::Sent && via == Some(RelayRole::Fallback);
    let button = move |label: fn(&Texts) -> &'static str, act: RowAction| {
        view! { <button on:click=move |_| on_action.run(act) disabled=move || busy.get()>{move || label(i18n.t())}</button> }
    };
    view! {
        <tr data-testid="email-row" data-id=id.to_string()>
            <td>{to}</td>
            <td>{move || i18n.t().email_kind(kind)}</td>
            <td data-testid="email-state">
                {state}
                {next.map(|when| view! {
                    <span class="next-attempt" data-testid="email-next-attempt">{move || (i18n.t().next_attempt)(&when)}</span>
                })}
                // Under the state, not a column of its own: the table stays as wide as it was.
                {by_fallback.then(|| view! {
                    <span class="via" data-testid="email-via-fallback">{move || i18n.t().email_via_fallback}</span>
                })}
            </td>
            <td>{attempts.to_string()}</td>
            <td class="email-error" data-testid="email-error">
                {match last_error {
                    Some(e) => view! { <code>{e}</code> }.into_any(),
                    None => "—".into_any(),
                }}
            </td>
            <td>{local_time(created_at)}</td>
            <td>{sent_at.map(local_time).unwrap_or_else(|| "—".into())}</td>
            <td class="row-actions">
                {can_retry.then(|| button(|t| t.retry_email, RowAction::Retry(id)))}
                {can_discard.then(|| button(|t| t.discard, RowAction::Discard(id)))}
            </td>
        </tr>
    }
}
